package com.metaaudiencesync.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In dry-run (no token), the warm-up's batches are written to an outbox of its own temporary directory: the
 * service's outbox, where a user reads what would have gone to Meta, gets none of them.
 */
@SpringBootTest(properties = {
        "spring.datasource.url=jdbc:h2:mem:jitwarmupdry;DB_CLOSE_DELAY=-1",
        "meta.access-token=",
        "sync.warm-up-rows=20000"
})
class JitWarmUpDryRunTest {
    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        r.add("sync.inbox", () -> dir.resolve("inbox").toString());
        r.add("sync.outbox", () -> dir.resolve("outbox").toString());
    }

    @Autowired JitWarmUp warmUp;
    @Autowired JdbcTemplate jdbc;

    @Test
    void writesItsBatchesToItsOwnOutboxNotTheServicesOne() throws Exception {
        assertThat(warmUp.await(0, TimeUnit.SECONDS)).isTrue();
        assertThat(warmUp.failure()).isNull();
        assertThat(warmUp.counts().read).isBetween(16_000L, 20_000L); // 10 000 + 5 000 rows, then settling passes of 1 000
        assertThat(warmUp.batches()).isGreaterThanOrEqualTo(warmUp.counts().accepted / JitWarmUp.BATCH_ROWS);
        Path outbox = dir.resolve("outbox");
        if (Files.exists(outbox)) {
            try (Stream<Path> l = Files.walk(outbox)) {
                assertThat(l.filter(Files::isRegularFile)).isEmpty();
            }
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch", Long.class)).isZero();
        assertThat(warmUp.directory()).doesNotExist();
    }
}
