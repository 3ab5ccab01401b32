package com.metaaudiencesync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.intake.FileIntake;
import com.metaaudiencesync.intake.IntakeRun;
import com.metaaudiencesync.meta.ApiVersions;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.ops.AccountProbe;
import com.metaaudiencesync.poll.PollRunner;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.store.BatchStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.quartz.CronExpression;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The numbers the console shows that the rest of the admin API does not give: overview, rows delivered per minute,
 * audiences with their added/removed totals and estimated match rate, recent files with reports and progress, poll
 * schedules. Counts and hashes only: the service never holds a raw identifier after hashing.
 */
@RestController
@RequestMapping("/api/console")
public class ConsoleController {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** webhook outcomes (mas_webhook_events) counted as rejected requests or events */
    private static final List<String> REJECTED = List.of("rejected", "unauthorized", "too_large", "unreadable", "unavailable", "backlog_full", "paused_backlog_full");
    static final long SMALL_AUDIENCE = 100;

    private final JdbcTemplate jdbc;
    private final BatchStore store;
    private final AccountGate gate;
    private final AccountProbe probe;
    private final FileIntake files;
    private final DeliveryLog deliveries;
    private final MeterRegistry registry;
    private final Environment env;
    private final SyncProperties sync;
    private final boolean dryRun;
    private final ObjectProvider<PollRunner> polls;
    private final ObjectProvider<ApiVersions> apiVersions;

    public ConsoleController(JdbcTemplate jdbc, BatchStore store, AccountGate gate, AccountProbe probe, FileIntake files, DeliveryLog deliveries,
                             MeterRegistry registry, Environment env, SyncProperties sync, boolean dryRunMode,
                             ObjectProvider<PollRunner> polls, ObjectProvider<ApiVersions> apiVersions) {
        this.jdbc = jdbc;
        this.store = store;
        this.gate = gate;
        this.probe = probe;
        this.files = files;
        this.deliveries = deliveries;
        this.registry = registry;
        this.env = env;
        this.sync = sync;
        this.dryRun = dryRunMode;
        this.polls = polls;
        this.apiVersions = apiVersions;
    }

    @GetMapping("/overview")
    public Map<String, Object> overview() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", dryRun ? "dry-run" : "live");
        if (dryRun) m.put("outbox", Path.of(sync.getOutbox()).toAbsolutePath().toString());
        m.put("account", AccountView.of(gate, probe, dryRun));
        m.put("api", api());
        m.put("queue", Map.of("batches", store.queuedBatches(), "rows", store.queuedRows()));
        m.put("deadLetters", Map.of("batches", store.deadLetterBatches(), "rows", store.deadLetterRows()));
        m.put("webhooks", webhooks());
        long hour = 0;
        for (long n : deliveries.perMinute(60, System.currentTimeMillis())) hour += n;
        m.put("deliveredLastHour", hour);
        List<Map<String, Object>> attention = new ArrayList<>();
        Outcome paused = gate.blockedBy(); // read once: the probe may reopen the gate meanwhile
        if (!dryRun && paused != null) {
            attention.add(Map.of("kind", "paused", "text", "Sending to Meta is paused: " + paused.message(),
                    "action", String.valueOf(paused.userAction())));
        }
        Object level = ((Map<?, ?>) m.get("api")).get("level");
        if ("expiring".equals(level) || "expired".equals(level)) {
            attention.add(Map.of("kind", "api-version", "text", String.valueOf(((Map<?, ?>) m.get("api")).get("message"))));
        }
        long dead = store.deadLetterBatches();
        if (dead > 0) attention.add(Map.of("kind", "dead-letters", "text", dead + " batches in the dead letters", "link", "dead-letters.html"));
        m.put("attention", attention);
        return m;
    }

    /** the configured Graph API version and Meta's published expiry (ApiVersions), with what Meta last said about it */
    private Map<String, Object> api() {
        Map<String, Object> m = new LinkedHashMap<>();
        ApiVersions versions = apiVersions.getIfAvailable();
        if (versions == null) {
            m.put("version", env.getProperty("meta.api-version"));
            return m;
        }
        ApiVersions.Status s = versions.status();
        m.put("version", s.version());
        m.put("level", s.level().name().toLowerCase(Locale.ROOT));
        m.put("expires", s.expires());
        m.put("daysLeft", s.daysLeft());
        m.put("message", s.message());
        ApiVersions.Notice n = versions.lastNotice();
        if (n != null) m.put("metaSaid", Map.of("message", n.message(), "at", n.at().toString(), "refused", n.refused()));
        return m;
    }

    /** webhook events by outcome since start, and the accepted / rejected totals */
    private Map<String, Object> webhooks() {
        Map<String, Long> byOutcome = new TreeMap<>();
        for (Counter c : registry.find("mas_webhook_events").counters()) {
            byOutcome.merge(String.valueOf(c.getId().getTag("outcome")), (long) c.count(), Long::sum);
        }
        long rejected = 0;
        for (String r : REJECTED) rejected += byOutcome.getOrDefault(r, 0L);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accepted", byOutcome.getOrDefault("accepted", 0L));
        m.put("rejected", rejected);
        m.put("byOutcome", byOutcome);
        return m;
    }

    /** rows Meta acknowledged per minute over the last {@code minutes} (at most a day), oldest first */
    @GetMapping("/delivered")
    public Map<String, Object> delivered(@RequestParam(name = "minutes", defaultValue = "60") int minutes) {
        int n = Math.max(1, Math.min(24 * 60, minutes));
        long now = System.currentTimeMillis();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("firstMinute", (now / 60_000L - n + 1) * 60L);
        m.put("rows", deliveries.perMinute(n, now));
        return m;
    }

    @GetMapping("/audiences")
    public List<Map<String, Object>> audiences() {
        Map<String, Map<String, Long>> totals = new HashMap<>();
        for (Map<String, Object> t : deliveries.totals()) {
            totals.computeIfAbsent((String) t.get("audience"), k -> new HashMap<>()).put((String) t.get("action"), ((Number) t.get("rows_total")).longValue());
        }
        boolean termsMissing = Boolean.FALSE.equals(AccountView.of(gate, probe, dryRun).get("termsAccepted"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> a : jdbc.queryForList("SELECT name, audience_id, rows_sent, last_sync_at, approx_lower, approx_upper, refreshed_at FROM mas_audience ORDER BY name")) {
            String name = (String) a.get("name");
            Map<String, Long> t = totals.getOrDefault(name, Map.of());
            long added = t.getOrDefault("add", 0L), removed = t.getOrDefault("remove", 0L), replaced = t.getOrDefault("replace", 0L);
            long members = Math.max(0, added + replaced - removed);
            Long lower = positive(a.get("approx_lower")), upper = positive(a.get("approx_upper"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("id", a.get("audience_id"));
            m.put("rowsSent", a.get("rows_sent"));
            m.put("rowsAdded", added);
            m.put("rowsRemoved", removed);
            m.put("rowsReplaced", replaced);
            m.put("membersSent", members);
            m.put("lastSync", time(a.get("last_sync_at")));
            m.put("sizeLower", lower);
            m.put("sizeUpper", upper);
            m.put("sizeRefreshed", time(a.get("refreshed_at")));
            m.put("matchRateLow", lower == null || members == 0 ? null : (double) lower / members);
            m.put("matchRateHigh", upper == null || members == 0 ? null : (double) upper / members);
            List<String> warnings = new ArrayList<>();
            long size = upper != null ? upper : members;
            if (size < SMALL_AUDIENCE) warnings.add("fewer than " + SMALL_AUDIENCE + " members: Meta will not deliver ads to it");
            if (termsMissing) warnings.add("Custom Audience terms not accepted");
            m.put("warnings", warnings);
            out.add(m);
        }
        return out;
    }

    @GetMapping("/audience-history")
    public List<Map<String, Object>> audienceHistory(@RequestParam("name") String name, @RequestParam(name = "limit", defaultValue = "10") int limit) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : deliveries.history(name, limit)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", time(r.get("delivered_at")));
            m.put("action", r.get("action"));
            m.put("rows", r.get("row_count"));
            m.put("received", r.get("num_received"));
            m.put("invalid", r.get("num_invalid"));
            m.put("source", r.get("source"));
            out.add(m);
        }
        return out;
    }

    /** recent files with their reports; a file being read here has its progress (rows read, bytes of its size) */
    @GetMapping("/files")
    public List<Map<String, Object>> files(@RequestParam(name = "limit", defaultValue = "20") int limit) {
        Map<String, IntakeRun> reading = new HashMap<>();
        for (IntakeRun r : files.reading()) reading.put(r.key, r);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : jdbc.queryForList("SELECT intake_key, file_name, status, rows_read, rows_accepted, rows_rejected, report_json, report_path,"
                + " batches_total, batches_sent, batches_dead, rows_sent, rows_dead, num_received, num_invalid, started_at, finished_at"
                + " FROM mas_intake ORDER BY started_at DESC FETCH FIRST " + Math.max(1, Math.min(200, limit)) + " ROWS ONLY")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", r.get("file_name"));
            m.put("status", r.get("status"));
            m.put("started", time(r.get("started_at")));
            m.put("finished", time(r.get("finished_at")));
            m.put("rowsRead", r.get("rows_read"));
            m.put("rowsAccepted", r.get("rows_accepted"));
            m.put("rowsRejected", r.get("rows_rejected"));
            m.put("batches", r.get("batches_total"));
            m.put("batchesSent", r.get("batches_sent"));
            m.put("batchesDead", r.get("batches_dead"));
            m.put("rowsSent", r.get("rows_sent"));
            m.put("rowsDead", r.get("rows_dead"));
            m.put("metaReceived", r.get("num_received"));
            m.put("metaInvalid", r.get("num_invalid"));
            m.put("report", report((String) r.get("report_path"), (String) r.get("report_json")));
            IntakeRun run = reading.get((String) r.get("intake_key"));
            if (run != null && "READING".equals(r.get("status"))) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("rowsRead", run.counts.read);
                p.put("rowsAccepted", run.counts.accepted);
                p.put("rowsRejected", run.counts.rejected);
                p.put("bytesRead", run.bytesRead);
                p.put("bytesTotal", run.file.length());
                m.put("progress", p);
            }
            out.add(m);
        }
        return out;
    }

    /** the report as written beside the file (it gains Meta's counts as batches are acknowledged), else as stored */
    private static JsonNode report(String path, String stored) {
        try {
            if (path != null && Files.isRegularFile(Path.of(path))) return JSON.readTree(Files.readString(Path.of(path)));
            return stored == null ? null : JSON.readTree(stored);
        } catch (IOException e) {
            return null;
        }
    }

    /** each poll job's next fire time (the rest of a job is in GET /api/polls) */
    @GetMapping("/polls")
    public List<Map<String, Object>> polls() {
        List<Map<String, Object>> out = new ArrayList<>();
        PollRunner runner = polls.getIfAvailable();
        if (runner == null) return out;
        for (SyncProperties.PollJob j : runner.jobs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", j.getName());
            m.put("cron", j.getCron());
            m.put("nextRun", nextRun(j.getCron()));
            out.add(m);
        }
        return out;
    }

    static String nextRun(String cron) {
        try {
            Date next = new CronExpression(cron).getNextValidTimeAfter(new Date());
            return next == null ? null : next.toInstant().toString();
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private static Long positive(Object o) { return o instanceof Number n && n.longValue() >= 0 ? n.longValue() : null; }

    private static String time(Object epochMillis) { return epochMillis instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : null; }
}
