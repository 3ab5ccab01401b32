package com.metaaudiencesync.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Every counter the service exports (names documented in the README, "Metrics"). */
public class SyncMetrics {
    private final MeterRegistry registry;
    private final AtomicLong lastSuccess = new AtomicLong();

    public SyncMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("mas_last_successful_send_timestamp_seconds", lastSuccess, a -> a.get() / 1000.0);
    }

    public MeterRegistry registry() { return registry; }

    public void rowsRead(String channel, long n) { counter("mas_rows_read", "channel", channel).increment(n); }
    public void rowsAccepted(String channel, long n) { counter("mas_rows_accepted", "channel", channel).increment(n); }
    public void rowsRejected(String channel, String reason, long n) { counter("mas_rows_rejected", "channel", channel, "reason", reason).increment(n); }
    public void fieldsDropped(String reason, long n) { counter("mas_fields_dropped", "reason", reason).increment(n); }
    public void rowsSent(String audience, String action, long n) { counter("mas_rows_sent", "audience", audience, "action", action).increment(n); }
    public void batch(String action, String outcome) { counter("mas_batches", "action", action, "outcome", outcome).increment(); }
    public void retry(String code) { counter("mas_graph_retries", "code", code == null ? "unknown" : code).increment(); }
    public void deadLetter(String code, long rows) {
        counter("mas_dead_letter_batches", "code", code == null ? "unknown" : code).increment();
        counter("mas_dead_letter_rows", "code", code == null ? "unknown" : code).increment(rows);
    }
    public void metaInvalidEntries(long n) { counter("mas_meta_invalid_entries").increment(n); }
    public void graphLatency(String op, Duration d) { Timer.builder("mas_graph_request").tag("op", op).register(registry).record(d); }
    public void filesTaken(String outcome) { counter("mas_files", "outcome", outcome).increment(); }
    public void webhookEvents(String outcome, long n) { counter("mas_webhook_events", "outcome", outcome).increment(n); }
    /** a poll run or a .replace file the mass-removal guard held (kind: poll | file); mas_guard_held is the gauge of those still held */
    public void guardHeld(String kind) { counter("mas_guard_holds", "kind", kind).increment(); }
    public void markSuccess() { lastSuccess.set(System.currentTimeMillis()); }

    private Counter counter(String name, String... tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }
}
