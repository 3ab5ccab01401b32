package com.metaaudiencesync.ops;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.store.BatchStore;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Health components the operator can act on: the Meta account, the inbox, the dead-letter backlog. */
public final class SyncHealth {
    private SyncHealth() {}

    public static HealthIndicator metaAccount(AccountGate gate, AccountProbe probe, boolean dryRun) {
        return () -> {
            if (dryRun) return Health.up().withDetail("mode", "dry-run (no token or sync.dry-run=true): nothing is sent").build();
            if (!gate.isOpen()) {
                return Health.down().withDetail("reason", gate.blockedBy().message())
                        .withDetail("action", gate.blockedBy().userAction())
                        .withDetail("pausedSince", Instant.ofEpochMilli(gate.blockedAt()).toString())
                        .withDetail("queued", "everything stays queued and is sent when the check succeeds").build();
            }
            return Health.up().withDetail("lastCheck", probe.lastResult()).build();
        };
    }

    public static HealthIndicator inbox(SyncProperties sync) {
        return () -> {
            Path p = Path.of(sync.getInbox());
            if (!Files.isDirectory(p)) return Health.down().withDetail("reason", "inbox " + p.toAbsolutePath() + " does not exist").build();
            if (!Files.isWritable(p)) return Health.down().withDetail("reason", "inbox " + p.toAbsolutePath() + " is not writable (files cannot be moved to .done)").build();
            return Health.up().withDetail("path", p.toAbsolutePath().toString()).build();
        };
    }

    public static HealthIndicator deadLetters(BatchStore store, long maxDeadLetters) {
        return () -> {
            long n = store.deadLetterBatches();
            Health.Builder b = n > maxDeadLetters ? Health.down() : Health.up();
            b.withDetail("batches", n).withDetail("queuedBatches", store.queuedBatches());
            if (n > maxDeadLetters) {
                b.withDetail("reason", n + " batches (" + store.deadLetterRows() + " rows) are dead-lettered")
                        .withDetail("action", "read GET /api/dead-letters for the reasons, fix the cause, then POST /api/dead-letters/replay");
            }
            return b.build();
        };
    }
}
