package com.metaaudiencesync.ops;

import com.metaaudiencesync.store.BatchStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small admin API: managed audiences, dead letters and their replay, queue status. */
@RestController
@RequestMapping("/api")
public class AdminController {
    private final JdbcTemplate jdbc;
    private final BatchStore store;

    public AdminController(JdbcTemplate jdbc, BatchStore store) {
        this.jdbc = jdbc;
        this.store = store;
    }

    @GetMapping("/audiences")
    public List<Map<String, Object>> audiences() {
        return jdbc.queryForList("SELECT name, audience_id, rows_sent, last_sync_at, approx_lower AS approximate_count_lower_bound,"
                + " approx_upper AS approximate_count_upper_bound, refreshed_at FROM mas_audience ORDER BY name");
    }

    @GetMapping("/dead-letters")
    public List<Map<String, Object>> deadLetters(@RequestParam(name = "limit", defaultValue = "100") int limit) {
        return store.listDeadLetters(Math.min(1000, Math.max(1, limit)));
    }

    /** Puts dead letters back into the queue (all, or one by id) once their cause is fixed. */
    @PostMapping("/dead-letters/replay")
    public Map<String, Object> replay(@RequestParam(name = "id", required = false) Long id) {
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
