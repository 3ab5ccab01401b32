package com.metaaudiencesync.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service on an H2 file database keeps queued batches as files next to it (sync.payload-store=auto): while
 * Meta is unreachable (token refused) a file's batches wait there; one file deleted by hand becomes a dead letter
 * with its own reason, the other batches reach Meta, and no payload file is left behind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "sync.batch-size=100",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms",
        "sync.send.poll-interval-millis=50",
        "sync.send.probe-interval-millis=300",
        "sync.file.poll-delay=100",
        "sync.file.read-lock-check-interval=100",
})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ReliabPayloadSpoolTest {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final Path work = ReliabSupport.tempDir("reliab-spool");
    static final Path inbox = work.resolve("inbox");
    static final Path spool = work.resolve("db/mas.spool");
    static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        Files.createDirectories(inbox);
        Map<String, String> p = new HashMap<>();
        ReliabSupport.common(p, fake, inbox, work.resolve("outbox"));
        p.put("spring.datasource.url", "jdbc:h2:file:" + work.resolve("db/mas"));
        p.forEach((k, v) -> r.add(k, () -> v));
    }

    @AfterAll
    static void stop() { fake.close(); }

    @Autowired TestRestTemplate http;
    @Autowired JdbcTemplate jdbc;

    private static List<Path> spoolFiles() throws Exception {
        if (!Files.isDirectory(spool)) return List.of();
        try (Stream<Path> s = Files.list(spool)) { return s.filter(f -> f.toString().endsWith(".batch")).toList(); }
    }

    @Test
    void queuedBatchesWaitInFilesAndAFileDeletedByHandIsDeadLetteredWithItsReason() throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Spooled");
        fake.setTokenValid(false); // Meta refuses the token: sending pauses, batches wait
        List<String> emails = ReliabSupport.writeCsv(inbox, "Spooled.csv", "spooled", 300);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(inbox.resolve(".done/Spooled.csv")));

        List<String> refs = jdbc.queryForList("SELECT payload_ref FROM mas_batch ORDER BY id", String.class);
        assertThat(refs).hasSize(3).doesNotContainNull();
        assertThat(spoolFiles()).hasSize(3);
        assertThat(jdbc.queryForObject("SELECT MAX(OCTET_LENGTH(payload)) FROM mas_batch", Long.class)).as("rows are not in the database").isZero();
        Files.delete(spool.resolve(refs.get(1) + ".batch"));

        fake.setTokenValid(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Spooled").size() == 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch", Integer.class) == 0);
        Set<String> expected = new HashSet<>(ReliabSupport.hashes(emails.subList(0, 100)));
        expected.addAll(ReliabSupport.hashes(emails.subList(200, 300)));
        assertThat(ReliabSupport.memberEmailHashes(fake, "Spooled")).as("the first and third batch").isEqualTo(expected);
        Map<String, Object> dead = jdbc.queryForMap("SELECT code, reason, row_count, payload_ref FROM mas_dead_letter");
        assertThat(dead.get("CODE")).isEqualTo("payload_missing");
        assertThat((String) dead.get("REASON")).contains("payload file was deleted");
        assertThat(dead.get("ROW_COUNT")).isEqualTo(100);
        assertThat(dead.get("PAYLOAD_REF")).isEqualTo(refs.get(1));
        assertThat(spoolFiles()).as("acknowledged batches take their files with them").isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode report = JSON.readTree(inbox.resolve(".done/Spooled.csv.report.json").toFile());
            return report.path("delivery").path("batchesSent").asInt() == 2 && report.path("delivery").path("batchesDeadLettered").asInt() == 1;
        });
        assertThat(fake.requests().stream().filter(r -> r.path().endsWith(id + "/users") && r.ok()).count()).isEqualTo(2);
    }
}
