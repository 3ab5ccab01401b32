package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.WebhookListenerBeans;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live mode (a Meta token set) with no webhook credential: every webhook path on server.port and on the
 * Vert.x listener answers 401 with a problem body and stores nothing; the start-up log says why.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-live-closed-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/live-closed/inbox",
        "sync.outbox=target/webhook-test/live-closed/outbox",
        "meta.access-token=" + WebhookLiveModeAuthHttpTest.TOKEN,
        "meta.ad-account-id=act_1001",
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
})
class WebhookLiveModeAuthHttpTest {
    static final String TOKEN = "fake-token-live-closed";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final String MEMBER = "{\"audience\":\"live_closed\",\"action\":\"add\",\"email\":\"a@example.com\"}";
    static final String[] PATHS = {"/webhooks/members", "/webhooks/segment", "/v1/batch", "/v1/identify", "/v1/track"};

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) { r.add("meta.graph-url", FAKE::baseUrl); }

    @AfterAll static void stop() { FAKE.close(); }

    @LocalServerPort int port;
    @Autowired WebhookListenerBeans.WebhookListener listener;
    @Autowired JdbcTemplate jdbc;

    @Test
    void unauthenticatedWebhooksAre401OnBothPortsAndStoreNothing(CapturedOutput output) throws Exception {
        for (int p : new int[]{port, listener.port()}) {
            for (String path : PATHS) {
                for (String[] headers : new String[][]{{}, {"Authorization", "Bearer anything"}, {"X-Signature", "sha256=00"}}) {
                    HttpResponse<String> r = new Http(p).post(path, MEMBER, headers);
                    String what = path + " on port " + p + " with " + String.join(" ", headers);
                    assertThat(r.statusCode()).as(what).isEqualTo(401);
                    assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
                    assertThat(new ObjectMapper().readTree(r.body()).get("status").asInt()).as(what).isEqualTo(401);
                }
            }
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending", Long.class)).isZero();
        assertThat(output.getAll()).contains("Webhook authentication: none configured: every webhook request is refused (401)")
                .doesNotContain(TOKEN);
    }
}
