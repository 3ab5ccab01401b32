package com.metaaudiencesync.routes;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.StoreTestRows;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The send route with its HTTP endpoint replaced by a mock (AdviceWith on node graph-http): each test answers as
 * Graph would and checks one behaviour of the route and its error channels (errors.camel.yaml).
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(properties = {
        "spring.datasource.url=jdbc:h2:mem:sendroute;DB_CLOSE_DELAY=-1",
        "spring.main.web-application-type=none",
        "meta.ad-account-id=act_1003",
        "sync.send.poll-interval-millis=50",
        "sync.retry.initial-delay=10s",
        "sync.retry.max-delay=10s",
})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class SendRouteTest {
    static final String TOKEN = "test-token-SendRoute-0000";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        dir = Files.createTempDirectory("send-route");
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    @Autowired CamelContext context;
    @Autowired BatchStore store;
    @Autowired JdbcTemplate jdbc;

    MockEndpoint graph;
    MockEndpoint dead;

    @BeforeEach
    void advise() throws Exception {
        // the in-memory database outlives each test's context: start from an empty queue
        jdbc.update("DELETE FROM mas_batch");
        jdbc.update("DELETE FROM mas_dead_letter");
        AdviceWith.adviceWith(context, "graph-post", a -> a.weaveById("graph-http").replace().to("mock:graph"));
        AdviceWith.adviceWith(context, "dead-letter", a -> a.weaveAddLast().to("mock:dead"));
        graph = context.getEndpoint("mock:graph", MockEndpoint.class);
        dead = context.getEndpoint("mock:dead", MockEndpoint.class);
    }

    /** Graph's answer to every POST: status and JSON body */
    void graphAnswers(int status, String body) {
        graph.whenAnyExchangeReceived(e -> {
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
            e.getMessage().setBody(body);
        });
    }

    long storeBatch() {
        store.insert(Batch.newBatch(AudienceRef.ofId("23850000000000001"), Action.ADD, 3, BatchCodec.encode(StoreTestRows.rows(3)), "test"), false);
        return jdbc.queryForObject("SELECT MAX(id) FROM mas_batch", Long.class);
    }

    @Test
    void aBatchIsPostedOnceWithTheTokenInTheBodyAndAcknowledged() throws Exception {
        graphAnswers(200, "{\"audience_id\":\"23850000000000001\",\"num_received\":3,\"num_invalid_entries\":0}");
        graph.expectedMessageCount(1);
        graph.expectedPropertyReceived("graphPath", "23850000000000001/users");
        long id = storeBatch();
        context.start();

        graph.assertIsSatisfied(TimeUnit.SECONDS.toMillis(20));
        String body = EntityUtils.toString(graph.getReceivedExchanges().get(0).getMessage().getBody(HttpEntity.class));
        assertThat(body).contains("\"access_token\":\"" + TOKEN + "\"").contains("\"schema\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE id=?", Long.class, id) == 0);
        assertThat(dead.getReceivedCounter()).isZero();
    }

    @Test
    void aPermanentGraphErrorGoesToTheDeadLetterRouteWithItsReason() throws Exception {
        graphAnswers(400, "{\"error\":{\"code\":100,\"message\":\"Invalid parameter\",\"type\":\"OAuthException\"}}");
        dead.expectedMessageCount(1);
        long id = storeBatch();
        context.start();

        dead.assertIsSatisfied(TimeUnit.SECONDS.toMillis(20));
        Map<String, Object> row = jdbc.queryForMap("SELECT code, reason FROM mas_dead_letter WHERE batch_id=?", id);
        assertThat(row.get("code")).isEqualTo("100");
        assertThat((String) row.get("reason")).contains("Invalid parameter");
        assertThat(graph.getReceivedCounter()).as("not retried").isEqualTo(1);
    }

    @Test
    void aRetryableGraphErrorIsRetriedLaterDurably() throws Exception {
        graphAnswers(500, "{\"error\":{\"code\":2,\"message\":\"Service temporarily unavailable\",\"is_transient\":true}}");
        graph.expectedMessageCount(1);
        long id = storeBatch();
        long before = System.currentTimeMillis();
        context.start();

        graph.assertIsSatisfied(TimeUnit.SECONDS.toMillis(20));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                jdbc.queryForObject("SELECT attempts FROM mas_batch WHERE id=?", Integer.class, id) == 1);
        Map<String, Object> row = jdbc.queryForMap("SELECT state, next_attempt_at, last_error FROM mas_batch WHERE id=?", id);
        assertThat(row.get("state")).isEqualTo("READY");
        assertThat(((Number) row.get("next_attempt_at")).longValue()).as("backoff of sync.retry.* (5-10 s)").isGreaterThan(before + 4_000);
        assertThat((String) row.get("last_error")).contains("Service temporarily unavailable");
        assertThat(dead.getReceivedCounter()).isZero();
    }

    @Test
    void anAuthErrorPausesSendingAndKeepsTheBatch() throws Exception {
        graphAnswers(400, "{\"error\":{\"code\":190,\"message\":\"Error validating access token\",\"type\":\"OAuthException\"}}");
        long id = storeBatch();
        context.start();

        await().atMost(Duration.ofSeconds(20)).until(() -> graph.getReceivedCounter() == 1
                && "READY".equals(jdbc.queryForObject("SELECT state FROM mas_batch WHERE id=?", String.class, id)));
        // a few send ticks (every 100 ms): none may post while paused
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> graph.getReceivedCounter() == 1);
        assertThat(jdbc.queryForObject("SELECT attempts FROM mas_batch WHERE id=?", Integer.class, id)).as("no attempt used").isZero();
        assertThat(dead.getReceivedCounter()).isZero();
    }
}
