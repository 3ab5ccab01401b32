package com.metaaudiencesync.guard;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.intake.FileIntake;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.poll.PollStore;
import com.metaaudiencesync.send.BatchSender;
import com.metaaudiencesync.store.BatchStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Wires the mass-removal guard: its judge, held files, the file hook, the gauge and the health component. */
@Configuration
public class GuardBeans {

    @Bean
    public RemovalGuard removalGuard(SyncProperties sync) {
        return new RemovalGuard(sync.getGuard().getMaxRemovalPercent(), sync.getGuard().getMinSourcePercent());
    }

    @Bean
    public KnownMembers knownMembers(JdbcTemplate jdbc) { return new KnownMembers(jdbc); }

    @Bean
    public HeldFiles heldFiles(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches) { return new HeldFiles(jdbc, tx, batches); }

    /** Asked by the file intake before it releases a .replace file; also keeps the size of the last replace per audience. */
    @Bean
    public ReplaceGuard replaceGuard(JdbcTemplate jdbc, RemovalGuard guard, KnownMembers known, HeldFiles held, SyncMetrics metrics,
                                     FileIntake intake, BatchSender sender) {
        ReplaceGuard g = new ReplaceGuard(jdbc, guard, known, held, metrics);
        intake.setReplaceGuard(g);
        sender.addListener(new ReplaceBaseline(jdbc));
        return g;
    }

    /** mas_guard_held{kind=poll|file}: runs and files waiting for an operator's approval. */
    @Bean
    public Object guardGauges(MeterRegistry registry, PollStore polls, HeldFiles files) {
        Gauge.builder("mas_guard_held", polls, p -> safe(p::heldCount)).tag("kind", "poll")
                .description("poll runs the mass-removal guard holds for approval").register(registry);
        Gauge.builder("mas_guard_held", files, f -> safe(f::heldCount)).tag("kind", "file")
                .description(".replace files the mass-removal guard holds for approval").register(registry);
        return new Object();
    }

    /**
     * Health component "guard": UP with the held runs and files listed. A held run is the guard working, not the
     * service failing: readiness stays up (webhooks and other audiences keep flowing); alert on mas_guard_held > 0.
     */
    @Bean
    public HealthIndicator guardHealthIndicator(PollStore polls, HeldFiles files, RemovalGuard guard) {
        return () -> {
            List<Map<String, Object>> runs = new ArrayList<>();
            for (Map<String, Object> r : polls.heldRuns()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("job", r.get("job"));
                m.put("runId", r.get("id"));
                m.put("audience", r.get("audience_key"));
                m.put("reason", r.get("held_reason"));
                m.put("heldAt", time(r.get("held_at")));
                m.put("approve", "POST /api/polls/" + r.get("job") + "/runs/" + r.get("id") + "/approve");
                runs.add(m);
            }
            List<Map<String, Object>> held = new ArrayList<>();
            for (Map<String, Object> f : files.held()) {
                Map<String, Object> m = HeldFiles.describe(f);
                m.put("approve", "POST /api/files/" + f.get("id") + "/approve");
                held.add(m);
            }
            return Health.up().withDetail("maxRemovalPercent", guard.maxRemovalPercent()).withDetail("minSourcePercent", guard.minSourcePercent())
                    .withDetail("heldRuns", runs).withDetail("heldFiles", held).build();
        };
    }

    static String time(Object epochMillis) {
        return epochMillis instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : null;
    }

    private static double safe(LongSupplier s) {
        try { return s.getAsLong(); } catch (RuntimeException e) { return Double.NaN; }
    }
}
