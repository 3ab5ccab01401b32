package com.metaaudiencesync.ops;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.send.BatchSender;
import com.metaaudiencesync.store.BatchStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.function.LongSupplier;

/** Health, probes and queue gauges. */
@Configuration
public class OpsBeans {
    @Bean
    public AccountProbe accountProbe(GraphClient graph, AccountGate gate, JdbcTemplate jdbc, boolean dryRunMode, AudienceFlags flags) {
        AccountProbe p = new AccountProbe(graph, gate, jdbc, dryRunMode);
        p.setAudienceFlags(flags);
        return p;
    }

    /** Flagged audiences (operation_status 471): the sender stops sending to them; gauge mas_audiences_flagged. */
    @Bean
    public AudienceFlags audienceFlags(JdbcTemplate jdbc, BatchSender sender, MeterRegistry registry) {
        AudienceFlags f = new AudienceFlags(jdbc);
        sender.setAudienceFlags(f);
        Gauge.builder("mas_audiences_flagged", f, AudienceFlags::count).description("audiences Meta flagged (operation_status 471); nothing is sent to them")
                .register(registry);
        return f;
    }

    @Bean
    public HealthIndicator metaAccountHealthIndicator(AccountGate gate, AccountProbe probe, boolean dryRunMode) {
        return SyncHealth.metaAccount(gate, probe, dryRunMode);
    }

    @Bean
    public HealthIndicator inboxHealthIndicator(SyncProperties sync) { return SyncHealth.inbox(sync); }

    @Bean
    public HealthIndicator deadLettersHealthIndicator(BatchStore store, @Value("${sync.health.max-dead-letters:0}") long max) {
        return SyncHealth.deadLetters(store, max);
    }

    @Bean
    public Object queueGauges(MeterRegistry registry, BatchStore store) {
        Gauge.builder("mas_queue_batches", store, s -> safe(s::queuedBatches)).description("batches waiting for Meta").register(registry);
        Gauge.builder("mas_queue_rows", store, s -> safe(s::queuedRows)).description("rows waiting for Meta").register(registry);
        Gauge.builder("mas_dead_letter_backlog_batches", store, s -> safe(s::deadLetterBatches)).register(registry);
        return new Object();
    }

    private static double safe(LongSupplier s) {
        try { return s.getAsLong(); } catch (RuntimeException e) { return Double.NaN; }
    }
}
