package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Admin endpoints of the poll jobs: list, manual run, run history. */
@RestController
@RequestMapping(path = "/api/polls", produces = MediaType.APPLICATION_JSON_VALUE)
public class PollController {
    private final PollRunner runner;

    public PollController(PollRunner runner) { this.runner = runner; }

    @GetMapping
    public List<Map<String, Object>> jobs() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SyncProperties.PollJob j : runner.jobs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", j.getName());
            m.put("cron", j.getCron());
            m.put("mode", j.getMode());
            m.put("audience", PollJobs.audience(j).display());
            m.put("source", PollSources.describe(j.getSource()));
            List<Map<String, Object>> last = runner.store().runs(j.getName(), 1);
            m.put("lastRun", last.isEmpty() ? null : view(last.get(0)));
            out.add(m);
        }
        return out;
    }

    /** 202 with the run (read in the background); 409 when a run of this job is in progress; 404 for an unknown job. */
    @PostMapping("/{name}/run")
    public ResponseEntity<Object> run(@PathVariable("name") String name) {
        if (!runner.has(name)) return notFound(name);
        PollRunner.Begun b = runner.startManual(name);
        if (b == null) {
            ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, "a run of poll job '" + name + "' is in progress; try again when it ends");
            p.setTitle("Run in progress");
            return ResponseEntity.status(HttpStatus.CONFLICT).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job", name);
        body.put("runId", b.runId());
        body.put("status", b.status());
        body.put("runs", "/api/polls/" + name + "/runs");
        return ResponseEntity.accepted().location(URI.create("/api/polls/" + name + "/runs/" + b.runId())).body(body);
    }

    @GetMapping("/{name}/runs")
    public ResponseEntity<Object> runs(@PathVariable("name") String name, @RequestParam(name = "limit", defaultValue = "50") int limit) {
        if (!runner.has(name)) return notFound(name);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : runner.store().runs(name, limit)) out.add(view(r));
        return ResponseEntity.ok(out);
    }

    @GetMapping("/{name}/runs/{id}")
    public ResponseEntity<Object> run(@PathVariable("name") String name, @PathVariable("id") long id) {
        if (!runner.has(name)) return notFound(name);
        Map<String, Object> r = runner.store().run(id);
        if (r == null || !name.equals(lower(r).get("job"))) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "no run " + id + " of poll job '" + name + "'"));
        }
        return ResponseEntity.ok(view(r));
    }

    /**
     * Releases a held run (docs/guard-rails.md): 200 with what was queued; 404 for an unknown job or run; 409 when the
     * run is not held (approved, superseded, never held) or another run of the job is in progress.
     */
    @PostMapping("/{name}/runs/{id}/approve")
    public ResponseEntity<Object> approve(@PathVariable("name") String name, @PathVariable("id") long id) {
        if (!runner.has(name)) return notFound(name);
        PollRunner.Approval a = runner.approve(name, id);
        return switch (a.result()) {
            case NOT_FOUND -> problem(HttpStatus.NOT_FOUND, "No such run", "no run " + id + " of poll job '" + name + "'");
            case NOT_HELD -> problem(HttpStatus.CONFLICT, "Run not held", "run " + id + " of poll job '" + name + "' is not held"
                    + (a.status() == null || "null".equals(a.status()) ? "" : " (it is " + a.status().toLowerCase(Locale.ROOT) + ")"));
            case BUSY -> problem(HttpStatus.CONFLICT, "Run in progress", "a run of poll job '" + name + "' is in progress; approve when it ends");
            case APPROVED -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("approved", true);
                body.put("job", name);
                body.put("runId", id);
                body.put("status", a.status().toLowerCase(Locale.ROOT));
                body.put("rowsRemoved", a.rowsRemoved());
                body.put("rowsReplaced", a.rowsReplaced());
                body.put("batches", a.batches());
                yield ResponseEntity.ok(body);
            }
        };
    }

    private static ResponseEntity<Object> problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }

    private static ResponseEntity<Object> notFound(String name) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "no poll job named '" + name + "' (see GET /api/polls)"));
    }

    private static Map<String, Object> lower(Map<String, Object> row) {
        Map<String, Object> m = new LinkedHashMap<>();
        row.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        return m;
    }

    /** A run as JSON: camelCase names, ISO-8601 times. */
    static Map<String, Object> view(Map<String, Object> row) {
        Map<String, Object> r = lower(row);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.get("id"));
        m.put("job", r.get("job"));
        m.put("trigger", r.get("trigger_kind"));
        m.put("instance", r.get("instance_id"));
        m.put("mode", r.get("mode"));
        m.put("audience", r.get("audience_key"));
        m.put("source", r.get("source"));
        m.put("outcome", r.get("status"));
        m.put("status", r.get("status") == null ? null : r.get("status").toString().toLowerCase(Locale.ROOT));
        m.put("held", PollStore.HELD.equals(r.get("status")) ? held(r) : null);
        m.put("heldReason", r.get("held_reason"));
        m.put("heldAt", time(r.get("held_at")));
        m.put("approvedAt", time(r.get("approved_at")));
        m.put("scheduledAt", time(r.get("scheduled_at")));
        m.put("start", time(r.get("started_at")));
        m.put("readEnd", time(r.get("read_finished_at")));
        m.put("end", time(r.get("finished_at")));
        m.put("rowsRead", r.get("rows_read"));
        m.put("rowsAccepted", r.get("rows_accepted"));
        m.put("rowsRejected", r.get("rows_rejected"));
        m.put("rejectReasons", r.get("reject_reasons"));
        m.put("rowsDistinct", r.get("rows_distinct"));
        m.put("rowsAdded", r.get("rows_added"));
        m.put("rowsRemoved", r.get("rows_removed"));
        m.put("rowsUnchanged", r.get("rows_unchanged"));
        m.put("batchesTotal", r.get("batches_total"));
        m.put("batchesAcknowledged", r.get("batches_acked"));
        m.put("batchesDeadLettered", r.get("batches_dead"));
        m.put("rowsAcknowledged", r.get("rows_acked"));
        m.put("audienceSize", r.get("audience_size"));
        m.put("smallAudienceWarning", r.get("warning"));
        m.put("error", r.get("error"));
        return m;
    }

    /** Why a held run is held, with the numbers the guard compared. */
    private static Map<String, Object> held(Map<String, Object> r) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("reason", r.get("held_reason"));
        h.put("wouldRemove", r.get("held_would_remove"));
        h.put("knownMembers", r.get("held_known_members"));
        h.put("sourceRows", r.get("held_source_rows"));
        h.put("lastSourceRows", r.get("held_last_source_rows"));
        return h;
    }

    private static String time(Object epochMillis) {
        return epochMillis instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : null;
    }
}
