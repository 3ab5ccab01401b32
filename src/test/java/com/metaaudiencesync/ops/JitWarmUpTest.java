package com.metaaudiencesync.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The start-up JIT warm-up ({@code sync.warm-up-rows}) runs synthetic files through a throwaway copy of the core
 * (its own H2 database, stores, sender and a loopback stand-in for the Graph API) before the routes start, and
 * leaves no trace: nothing in the service's database, nothing sent to Meta, nothing counted in the metrics,
 * no temporary directory, no identifier in the log. The real file after it is counted on its own.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:jitwarmup;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_4242",
        "sync.warm-up-rows=30000",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.send.max-requests-per-second=1000"
})
class JitWarmUpTest {
    static final String TOKEN = "test-token-JitWarmUp-0000";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        r.add("meta.graph-url", FAKE::baseUrl);
        r.add("meta.access-token", () -> TOKEN);
        r.add("sync.inbox", () -> dir.resolve("inbox").toString());
        r.add("sync.outbox", () -> dir.resolve("outbox").toString());
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    @Autowired JitWarmUp warmUp;
    @Autowired JdbcTemplate jdbc;
    @Autowired MeterRegistry registry;

    @Test
    void warmsUpOnSyntheticRowsBeforeTheRoutesAndLeavesNoTrace(CapturedOutput out) throws Exception {
        // the context has started, so the routes have too: the warm-up ended before them
        assertThat(warmUp.await(0, TimeUnit.SECONDS)).isTrue();
        assertThat(warmUp.failure()).isNull();
        // 15 000 + 7 500 rows, then settling passes of 1 500 rows until one leaves the JIT (almost) idle or the rows are used up
        long read = warmUp.counts().read;
        assertThat(read).isBetween(24_000L, 30_000L);
        assertThat(warmUp.counts().accepted).isBetween(read * 8 / 10, read - 1); // mostly good rows ...
        assertThat(warmUp.counts().rejected).isPositive();                  // ... and some bad ones, as real lists have
        assertThat(warmUp.counts().fieldIssues).containsKeys("invalid_email", "invalid_phone", "invalid_zip", "invalid_country");
        assertThat(warmUp.counts().rowsOut).isEqualTo(warmUp.counts().accepted);
        // batches of at most 1 000 rows: each stored, then acknowledged by the stand-in
        assertThat(warmUp.batches()).isGreaterThanOrEqualTo(warmUp.counts().accepted / JitWarmUp.BATCH_ROWS);
        assertThat(out.getOut()).contains("JIT warm-up: " + read + " synthetic rows read, normalized, hashed, stored and sent in " + warmUp.batches() + " batches");

        // nothing in the service's database, nothing sent to Meta, nothing created or counted
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch", Long.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_intake", Long.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_audience", Long.class)).isZero();
        assertThat(FAKE.totalRowsReceived()).isZero();
        assertThat(FAKE.audienceIds()).isEmpty();
        assertThat(registry.find("mas_rows_read").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
        // its directory (database, spool, inbox) is gone
        assertThat(warmUp.directory()).isNotNull();
        assertThat(warmUp.directory().getFileName().toString()).startsWith(JitWarmUp.PREFIX);
        assertThat(warmUp.directory()).doesNotExist();
        // and its database was shut down, not just deleted while open (Linux lets a directory go with files still
        // open in it; the warm-up ends its H2 database with SHUTDOWN IMMEDIATELY, then closes the pool)
        assertThat(openFilesUnder(warmUp.directory())).isEmpty();
        // no line per warm-up file or batch, no identifier
        assertThat(out.getOut()).doesNotContain(JitWarmUp.AUDIENCE + ".").doesNotContain("audience=" + JitWarmUp.AUDIENCE)
                .doesNotContain("@example.com").doesNotContain("@Example.NET");

        // a real file afterwards: its own counts only
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Path part = dir.resolve("after.csv.part");
        Files.writeString(part, "email,phone,country\nann@example.org,+1 212 555 0100,US\nbob@example.org,,US\n", StandardCharsets.UTF_8);
        Files.move(part, inbox.resolve("after.csv"), StandardCopyOption.ATOMIC_MOVE);
        Path report = inbox.resolve(".done").resolve("after.csv.report.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(report));
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.path("rowsRead").asLong()).isEqualTo(2);
        assertThat(r.path("batches").asLong()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.totalRowsReceived() == 2);
        assertThat(registry.get("mas_rows_read").tag("channel", "file").counter().count()).isEqualTo(2.0);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_intake", Long.class)).isEqualTo(1);
    }

    /** this process's open files under {@code dir} (from /proc/self/fd; empty where the system has no /proc) */
    static java.util.List<String> openFilesUnder(Path dir) throws java.io.IOException {
        Path fds = Path.of("/proc/self/fd");
        java.util.List<String> open = new java.util.ArrayList<>();
        if (!Files.isDirectory(fds)) return open;
        try (java.util.stream.Stream<Path> l = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) l::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toString())) open.add(target);
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    // closed while listing
                }
            }
        }
        return open;
    }
}
