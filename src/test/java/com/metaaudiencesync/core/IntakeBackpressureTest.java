package com.metaaudiencesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backpressure of the file intake: with sync.file.max-queued-batches=2 and a slow Graph API, a 20-batch file
 * never has more than 3 of its batches waiting in mas_batch (2 plus the one just stored), and every row still
 * reaches Meta once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "spring.datasource.url=jdbc:h2:mem:backpressure;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_1001",
        "sync.default-country=US",
        "sync.batch-size=10",
        "sync.file.max-queued-batches=2",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.send.max-requests-per-second=1000",
        "sync.send.concurrency=1",
})
class IntakeBackpressureTest {
    static final String TOKEN = "test-token-Backpressure-0000";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    @Autowired JdbcTemplate jdbc;

    @Test
    void readingWaitsWhileTooManyBatchesOfTheFileWaitForMeta() throws Exception {
        FAKE.setUsersLatency(Duration.ofMillis(40));
        StringBuilder csv = new StringBuilder("email\n");
        for (int i = 0; i < 200; i++) csv.append("bp").append(i).append("@example.com\n");
        AtomicLong maxQueued = new AtomicLong();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                Long n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE audience_key='name:bp'", Long.class);
                maxQueued.accumulateAndGet(n == null ? 0 : n, Math::max);
                try { Thread.sleep(2); } catch (InterruptedException e) { return; }
            }
        });
        watcher.start();
        try {
            Path inbox = Files.createDirectories(dir.resolve("inbox"));
            Path tmp = dir.resolve("bp.csv.part");
            Files.writeString(tmp, csv);
            Files.move(tmp, inbox.resolve("bp.csv"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                String id = FAKE.audienceIdByName("bp");
                return id != null && FAKE.receivedRowCount(id) >= 200 && Files.exists(inbox.resolve(".done").resolve("bp.csv"));
            });
        } finally {
            watching.set(false);
            watcher.join();
            FAKE.setUsersLatency(Duration.ZERO);
        }
        assertThat(FAKE.receivedRowCount(FAKE.audienceIdByName("bp"))).isEqualTo(200);
        assertThat(maxQueued.get()).as("batches of the file waiting at once").isBetween(1L, 3L);
        // most batches were acknowledged while the file was still being read (the report did not exist yet): the
        // report counts them all once the last one is sent
        Path report = dir.resolve("inbox").resolve(".done").resolve("bp.csv.report.json");
        ObjectMapper json = new ObjectMapper();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(report)
                && json.readTree(report.toFile()).path("delivery").path("batchesPending").asInt(-1) == 0);
        JsonNode delivery = json.readTree(report.toFile()).path("delivery");
        assertThat(delivery.path("batchesSent").asInt()).isEqualTo(20);
        assertThat(delivery.path("rowsSent").asInt()).isEqualTo(200);
        assertThat(delivery.path("metaNumReceived").asInt()).isEqualTo(200);
    }
}
