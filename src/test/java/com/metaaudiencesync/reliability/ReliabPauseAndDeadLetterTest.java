package com.metaaudiencesync.reliability;

import org.junit.jupiter.api.BeforeEach;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.Fault;
import com.metaaudiencesync.store.BatchCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Auth and terms errors pause the account (nothing lost, health DOWN, one clear log line, automatic resume when
 * the probe succeeds); permanent errors and exhausted retries become dead letters (durable, hashed rows only,
 * reason, attempts; counted in metrics and the file report) that POST /api/dead-letters/replay sends again.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:reliab-pause;DB_CLOSE_DELAY=-1",
        "sync.batch-size=100",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms",
        "sync.retry.max-attempts=4",
        "sync.send.poll-interval-millis=50",
        "sync.send.probe-interval-millis=300",
        "sync.file.poll-delay=100",
        "sync.file.read-lock-check-interval=100",
})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ReliabPauseAndDeadLetterTest {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final Path inbox = ReliabSupport.tempDir("reliab-pause-inbox");
    static final Path outbox = ReliabSupport.tempDir("reliab-pause-outbox");
    static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        Map<String, String> p = new HashMap<>();
        ReliabSupport.common(p, fake, inbox, outbox);
        p.forEach((k, v) -> r.add(k, () -> v));
    }

    @AfterAll
    static void stop() { fake.close(); }

    @Autowired TestRestTemplate http;

    /** the admin API (and /actuator/metrics) need the admin credentials in live mode */
    @BeforeEach
    void adminCredentials() { http = http.withBasicAuth(ReliabSupport.ADMIN_USER, ReliabSupport.ADMIN_PASSWORD); }
    @Autowired JdbcTemplate jdbc;

    @AfterEach
    void clean() {
        fake.clearFaults();
        fake.setUsersLatency(Duration.ZERO);
        fake.setTokenValid(true);
        fake.setTermsAccepted(true);
        http.postForObject("/api/dead-letters/replay", null, Map.class);
    }

    private String metaAccountStatus() throws Exception {
        JsonNode h = JSON.readTree(http.getForEntity("/actuator/health", String.class).getBody());
        return h.path("components").path("metaAccount").path("status").asText();
    }

    private long usersRequests(String audienceId) {
        return fake.requests().stream().filter(r -> r.path().endsWith(audienceId + "/users")).count();
    }

    @Test
    void expiredTokenMidRunPausesAndResumesWithNothingLost(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Paused");
        fake.setUsersLatency(Duration.ofMillis(100));
        List<String> emails = ReliabSupport.writeCsv(inbox, "Paused.csv", "paused", 3000);
        await().atMost(Duration.ofSeconds(60)).until(() -> fake.requests().stream().filter(r -> r.path().endsWith(id + "/users") && r.ok()).count() >= 3);
        fake.setTokenValid(false);

        await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(metaAccountStatus()));
        JsonNode meta = JSON.readTree(http.getForEntity("/actuator/health", String.class).getBody()).path("components").path("metaAccount");
        assertThat(meta.path("details").path("action").asText()).contains("access token").contains("META_ACCESS_TOKEN");
        assertThat(http.getForEntity("/actuator/health", String.class).getStatusCode().value()).isEqualTo(503);
        // sending stopped: no more /users calls while paused (only the probe)
        long before = usersRequests(id);
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3)).until(() -> usersRequests(id) == before);
        Map<?, ?> status = http.getForObject("/api/status", Map.class);
        assertThat(((Number) status.get("queuedRows")).longValue()).isPositive();
        assertThat(((Number) status.get("deadLetterBatches")).longValue()).isZero();
        // one clear line that says what to do
        assertThat(ReliabSupport.count(log.getAll(), "Sending to Meta is PAUSED")).isEqualTo(1);

        fake.setTokenValid(true);
        await().atMost(Duration.ofSeconds(60)).until(() -> ReliabSupport.memberEmailHashes(fake, "Paused").size() == emails.size());
        assertThat(ReliabSupport.memberEmailHashes(fake, "Paused")).isEqualTo(ReliabSupport.hashes(emails));
        await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(metaAccountStatus()));
        assertThat(log.getAll()).contains("sending resumes");
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), emails.subList(0, 20));
    }

    @Test
    void termsNotAcceptedPausesUntilAccepted(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Terms");
        fake.setTermsAccepted(false);
        List<String> emails = ReliabSupport.writeCsv(inbox, "Terms.csv", "terms", 250);
        await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(metaAccountStatus()));
        JsonNode meta = JSON.readTree(http.getForEntity("/actuator/health", String.class).getBody()).path("components").path("metaAccount");
        assertThat(meta.path("details").path("action").asText()).contains("terms");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(inbox.resolve(".done/Terms.csv")));
        assertThat(fake.membership(id)).isEmpty();
        assertThat(((Number) http.getForObject("/api/status", Map.class).get("deadLetterBatches")).longValue()).isZero();

        fake.setTermsAccepted(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Terms").size() == emails.size());
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), emails.subList(0, 20));
    }

    @Test
    void permanentErrorIsDeadLetteredWithReasonAndReplayed(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Dead");
        fake.failNext("/" + id + "/users", 1, Fault.graphError(100, null, false, "(#100) Invalid parameter"));
        List<String> emails = ReliabSupport.writeCsv(inbox, "Dead.csv", "dead", 300);

        await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(id).size() == 200 && deadLetters().size() == 1);
        JsonNode dl = deadLetters().get(0);
        assertThat(dl.path("audience_name").asText()).isEqualTo("Dead");
        assertThat(dl.path("action").asText()).isEqualTo("ADD");
        assertThat(dl.path("reason").asText()).contains("#100");
        assertThat(dl.path("code").asText()).isEqualTo("100");
        assertThat(dl.path("attempts").asInt()).isEqualTo(1);
        assertThat(dl.path("row_count").asInt()).isEqualTo(100);
        // durable, and hashed rows only
        byte[] payload = jdbc.queryForObject("SELECT payload FROM mas_dead_letter", byte[].class);
        for (String[] row : BatchCodec.decode(payload)) {
            assertThat(row[ReliabSupport.EMAIL_COL]).matches("[0-9a-f]{64}");
            for (String cell : row) assertThat(cell).matches("|[0-9a-f]{64}");
        }
        // counted in metrics and in the file report
        JsonNode metric = JSON.readTree(http.getForObject("/actuator/metrics/mas_dead_letter_rows", String.class));
        assertThat(metric.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(100);
        await().atMost(Duration.ofSeconds(10)).until(() -> report("Dead.csv").path("delivery").path("rowsDeadLettered").asLong() == 100);
        assertThat(report("Dead.csv").path("delivery").path("batchesDeadLettered").asLong()).isEqualTo(1);
        assertThat(log.getAll()).contains("DEAD-LETTERED").contains("POST /api/dead-letters/replay");

        Map<?, ?> replay = http.postForObject("/api/dead-letters/replay", null, Map.class);
        assertThat(replay.get("replayed")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Dead").size() == 300);
        assertThat(ReliabSupport.memberEmailHashes(fake, "Dead")).isEqualTo(ReliabSupport.hashes(emails));
        // the report follows the replay: nothing dead any more, everything sent
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode d = report("Dead.csv").path("delivery");
            assertThat(d.path("rowsDeadLettered").asLong()).isZero();
            assertThat(d.path("rowsSent").asLong()).isEqualTo(300);
            assertThat(d.path("batchesPending").asLong()).isZero();
        });
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), emails.subList(0, 20));
    }

    @Test
    void exhaustedRetriesAreDeadLetteredNotLost(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Exhausted");
        fake.failNext("/" + id + "/users", 4, Fault.http500());
        List<String> emails = ReliabSupport.writeCsv(inbox, "Exhausted.csv", "exhausted", 50);
        await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters().size() == 1);
        JsonNode dl = deadLetters().get(0);
        assertThat(dl.path("reason").asText()).contains("gave up after 4 attempts");
        assertThat(dl.path("attempts").asInt()).isEqualTo(4);
        assertThat(fake.membership(id)).isEmpty();
        http.postForObject("/api/dead-letters/replay", null, Map.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Exhausted").size() == 50);
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), emails.subList(0, 20));
    }

    private List<JsonNode> deadLetters() throws Exception {
        JsonNode n = JSON.readTree(http.getForObject("/api/dead-letters", String.class));
        ArrayList<JsonNode> l = new ArrayList<>();
        n.forEach(x -> l.add(lower(x)));
        return l;
    }

    /** H2 answers column names in upper case */
    private static JsonNode lower(JsonNode x) {
        ObjectNode o = JSON.createObjectNode();
        x.fields().forEachRemaining(e -> o.set(e.getKey().toLowerCase(), e.getValue()));
        return o;
    }

    private static JsonNode report(String file) throws Exception {
        Path p = inbox.resolve(".done/" + file + ".report.json");
        return Files.exists(p) ? JSON.readTree(p.toFile()) : JSON.createObjectNode();
    }
}
