package com.metaaudiencesync.ops;

import com.metaaudiencesync.store.BatchStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small admin API: managed audiences, dead letters and their replay, queue status. */
@RestController
@RequestMapping("/api")
public class AdminController {
    private final JdbcTemplate jdbc;
    private final BatchStore store;

    private final AudienceFlags flags;

    public AdminController(JdbcTemplate jdbc, BatchStore store, AudienceFlags flags) {
        this.jdbc = jdbc;
        this.store = store;
        this.flags = flags;
    }

    /** Managed audiences with their sizes, Meta's operation_status (code, description) and whether Meta flagged them. */
    @GetMapping("/audiences")
    public List<Map<String, Object>> audiences() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : jdbc.queryForList("SELECT name, audience_id, rows_sent, last_sync_at, approx_lower AS approximate_count_lower_bound,"
                + " approx_upper AS approximate_count_upper_bound, refreshed_at, operation_status_code, operation_status_description, flagged, flag_reason"
                + " FROM mas_audience ORDER BY name")) {
            Object code = r.remove("operation_status_code");
            Object description = r.remove("operation_status_description");
            Object flagged = r.remove("flagged");
            Object reason = r.remove("flag_reason");
            Map<String, Object> a = new LinkedHashMap<>(r);
            Map<String, Object> os = null;
            if (code != null) {
                os = new LinkedHashMap<>();
                os.put("code", code);
                os.put("description", description);
            }
            a.put("operation_status", os);
            a.put("flagged", Boolean.TRUE.equals(flagged));
            a.put("flag_reason", reason);
            out.add(a);
        }
        return out;
    }

    @GetMapping("/dead-letters")
    public List<Map<String, Object>> deadLetters(@RequestParam(name = "limit", defaultValue = "100") int limit) {
        return store.listDeadLetters(Math.min(1000, Math.max(1, limit)));
    }

    /** Puts dead letters back into the queue (all, or one by id) once their cause is fixed. */
    @PostMapping("/dead-letters/replay")
    public Map<String, Object> replay(@RequestParam(name = "id", required = false) Long id) {
        // replaying says the cause is fixed (e.g. an appeal succeeded): flags are lifted; a still-flagged audience is flagged again by its first answer
        flags.clearAll();
        int n = store.replayDeadLetters(id);
        return Map.of("replayed", n);
    }

    @GetMapping("/status")
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queuedBatches", store.queuedBatches());
        m.put("queuedRows", store.queuedRows());
        m.put("deadLetterBatches", store.deadLetterBatches());
        m.put("deadLetterRows", store.deadLetterRows());
        return m;
    }
}
