package com.metaaudiencesync.ops;

import org.junit.jupiter.api.BeforeEach;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import com.metaaudiencesync.fake.InboxFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static com.metaaudiencesync.fake.FakeGraphApi.sha256Hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operating the service against the fake Graph API: health DOWN/UP on bad token and unaccepted terms
 * (probe-driven, nothing lost meanwhile), metrics after a file, the admin API, privacy removal from every
 * audience (usersofanyaudience).
 */
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:opstest;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_2002",
        "spring.security.user.name=ops-admin",
        "spring.security.user.password=ops-admin-pw-5b1e",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.send.probe-interval-millis=300",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms"
})
class OperationsTest {
    static final String TOKEN = "ops-token-7f3a9c";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll static void stop() { FAKE.close(); }

    @Autowired TestRestTemplate http;

    /** live mode: the admin API needs the admin credentials (health and prometheus do not) */
    @BeforeEach
    void adminCredentials() { http = http.withBasicAuth("ops-admin", "ops-admin-pw-5b1e"); }

    JsonNode health() throws Exception {
        return JSON.readTree(http.getForEntity("/actuator/health", String.class).getBody());
    }

    @Test
    void termsNotAcceptedPausesSendingAndHealthSaysWhatToDoThenEverythingArrives() throws Exception {
        String id = FAKE.seedAudience("act_2002", "terms-list");
        FAKE.setTermsAccepted(false);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> "DOWN".equals(health().path("components").path("metaAccount").path("status").asText()));
            JsonNode meta = health().path("components").path("metaAccount").path("details");
            assertThat(meta.path("action").asText()).contains("customaudiences/tos");
            InboxFiles.drop(dir, "terms-list.csv", "email\nt1@terms.example\nt2@terms.example\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("inbox/.done/terms-list.csv")));
            assertThat(FAKE.membership(id)).isEmpty();
        } finally {
            FAKE.setTermsAccepted(true);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> FAKE.membership(id).size() == 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> "UP".equals(health().path("components").path("metaAccount").path("status").asText()));
    }

    @Test
    void anInvalidTokenTurnsHealthDownUntilTheTokenWorksAgain() throws Exception {
        String id = FAKE.seedAudience("act_2002", "token-list");
        FAKE.setTokenValid(false);
        try {
            InboxFiles.drop(dir, "token-list.csv", "email\nk1@tok.example\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> "DOWN".equals(health().path("components").path("metaAccount").path("status").asText()));
            assertThat(health().path("components").path("metaAccount").path("details").path("action").asText()).contains("token");
            assertThat(health().toString()).doesNotContain(TOKEN);
        } finally {
            FAKE.setTokenValid(true);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> FAKE.membership(id).size() == 1);
    }

    @Test
    void metricsAndAdminApiShowWhatHappened() throws Exception {
        InboxFiles.drop(dir, "metrics-list.csv", "email,phone\nm1@met.example,\n,\nm2@met.example,12\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> FAKE.audienceIdByName("metrics-list") != null
                && FAKE.membership(FAKE.audienceIdByName("metrics-list")).size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(http.getForEntity("/actuator/prometheus", String.class).getBody()).contains("mas_rows_sent_total"));
        String prom = http.getForEntity("/actuator/prometheus", String.class).getBody();
        assertThat(prom).contains("mas_rows_read_total{channel=\"file\"}");
        assertThat(prom).contains("mas_rows_rejected_total{channel=\"file\",reason=\"too_little_to_match\"}");
        assertThat(prom).contains("mas_rows_sent_total{action=\"add\",audience=\"metrics-list\"}");
        assertThat(prom).contains("mas_queue_batches");
        assertThat(prom).contains("mas_graph_request_seconds");
        JsonNode audiences = JSON.readTree(http.getForEntity("/api/audiences", String.class).getBody());
        boolean found = false;
        for (JsonNode a : audiences) if ("metrics-list".equals(a.path("NAME").asText(a.path("name").asText()))) found = true;
        assertThat(found).isTrue();
        JsonNode status = JSON.readTree(http.getForEntity("/api/status", String.class).getBody());
        assertThat(status.has("queuedBatches")).isTrue();
    }

    @Test
    void aForgetFileRemovesPeopleFromEveryAudience() throws Exception {
        String a = FAKE.seedAudience("act_2002", "forget-a");
        String b = FAKE.seedAudience("act_2002", "forget-b");
        InboxFiles.drop(dir, "forget-a.csv", "email\ngone@forget.example\nstay@forget.example\n");
        InboxFiles.drop(dir, "forget-b.csv", "email\ngone@forget.example\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> FAKE.membership(a).size() == 2 && FAKE.membership(b).size() == 1);
        InboxFiles.drop(dir, "privacy-requests.forget.csv", "email\ngone@forget.example\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> FAKE.membership(a).size() == 1 && FAKE.membership(b).isEmpty());
        assertThat(FAKE.membership(a).iterator().next()).contains(sha256Hex("stay@forget.example"));
        // the fake applies a removal before it records the request: await the record too
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(FAKE.requests()).anyMatch(r -> r.path().endsWith("/usersofanyaudience") && r.ok()));
        assertThat(FAKE.payloadInUrlCount()).isZero();
    }
}
