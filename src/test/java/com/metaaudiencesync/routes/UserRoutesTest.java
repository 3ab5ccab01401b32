package com.metaaudiencesync.routes;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.webhook.MemberIntake;
import com.metaaudiencesync.webhook.WebhookParser;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.metaaudiencesync.fake.FakeGraphApi.sha256Hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * User routes (docs/camel-routes.md): a route file in the user's routes directory is loaded at start; it feeds
 * members from a seda: queue into direct:members, they reach the fake Graph API, and the user's wireTap sees
 * each body it sent.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:userroutes;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_1002",
        "sync.batch-timeout=200ms",
        "sync.send.max-requests-per-second=1000",
})
class UserRoutesTest {
    static final String TOKEN = "test-token-UserRoutes-0000";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("crm-feed.camel.yaml"), """
                - route:
                    id: user-crm-feed
                    from:
                      uri: seda:crm-members
                      steps:
                        - wireTap:
                            uri: seda:crm-audit
                        - to: direct:members
                """);
        r.add("sync.routes-dir", routes::toString);
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    @Autowired ProducerTemplate producer;
    @Autowired ConsumerTemplate consumer;

    static Set<String> emailHashes(String audienceName) {
        String id = FAKE.audienceIdByName(audienceName);
        Set<String> out = new HashSet<>();
        if (id == null) return out;
        for (String m : FAKE.membership(id)) out.add(m.split("\\|", -1)[MetaKey.EMAIL.ordinal()]);
        return out;
    }

    @Test
    void aUserRouteFromSedaDeliversMembersAndItsWireTapSeesTheBody() {
        String body = """
                [{"audience": "crm-vip", "action": "add", "email": "Ann@Example.com"},
                 {"audience": "crm-vip", "action": "add", "email": "bob@example.com", "phone": "+1 650 555 0101"}]
                """;
        producer.sendBody("seda:crm-members", body);

        await().atMost(Duration.ofSeconds(30)).until(() -> emailHashes("crm-vip").size() == 2);
        assertThat(emailHashes("crm-vip")).containsExactlyInAnyOrder(sha256Hex("ann@example.com"), sha256Hex("bob@example.com"));
        assertThat(consumer.receiveBody("seda:crm-audit", 10_000, String.class)).isEqualTo(body);
    }

    @Test
    void directMembersCommitsBeforeItReturnsAndTakesJavaObjects() {
        List<Map<String, Object>> members = List.of(
                Map.of("audience", "crm-objects", "action", "add", "email", "carol@example.com"),
                Map.of("audience", "crm-objects", "action", "add"));
        MemberIntake.Receipt r = producer.requestBody("direct:members", members, MemberIntake.Receipt.class);
        assertThat(r.accepted()).isEqualTo(1);
        assertThat(r.rejected()).as("a member without identifiers").isEqualTo(1);
        assertThat(r.rows()).as("stored in mas_pending when the call returned").isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> emailHashes("crm-objects").contains(sha256Hex("carol@example.com")));
    }

    @Test
    void anUnreadableBodyFailsTheCallersExchange() {
        assertThatThrownBy(() -> producer.requestBody("direct:members", "{not json"))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(WebhookParser.UnreadableBodyException.class);
    }
}
