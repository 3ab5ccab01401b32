package com.metaaudiencesync.guard;

import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.store.AudienceRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;
import java.util.Map;

/**
 * The guard of a .replace file, asked when the file has been read and its replace group is about to be released.
 * The file's rows replace the audience, so at least (known members - rows) members leave it: more than
 * sync.guard.max-removal-percent of the known members holds the group (docs/guard-rails.md).
 */
public class ReplaceGuard {
    private static final Logger log = LoggerFactory.getLogger(ReplaceGuard.class);

    private final JdbcTemplate jdbc;
    private final RemovalGuard guard;
    private final KnownMembers known;
    private final HeldFiles held;
    private final SyncMetrics metrics;

    public ReplaceGuard(JdbcTemplate jdbc, RemovalGuard guard, KnownMembers known, HeldFiles held, SyncMetrics metrics) {
        this.jdbc = jdbc;
        this.guard = guard;
        this.known = known;
        this.held = held;
        this.metrics = metrics;
    }

    /** Null when the group may be released now; otherwise why it is held (for the file's report). */
    public String holdIfNeeded(String fileName, String intakeKey, String groupKey) {
        String before = held.statusOf(groupKey);
        if (HeldFiles.HELD.equals(before)) return "held for approval (GET /api/files/held)"; // a re-read after an interruption
        if (before != null) return null; // approved or superseded before the interruption: as decided then
        List<Map<String, Object>> g = jdbc.queryForList("SELECT audience_id, audience_name, SUM(row_count) AS n FROM mas_batch WHERE group_key=?"
                + " GROUP BY audience_id, audience_name", groupKey);
        if (g.size() != 1) return null;
        Map<String, Object> row = g.get(0);
        AudienceRef aud = row.get("audience_id") != null ? AudienceRef.ofId((String) row.get("audience_id")) : AudienceRef.ofName((String) row.get("audience_name"));
        long rows = ((Number) row.get("n")).longValue();
        int superseded = held.supersede(aud.key(), groupKey);
        if (superseded > 0) log.warn("File {}: supersedes {} held replace file(s) of audience {}; their batches are dropped", fileName, superseded, aud.display());
        long k = known.of(aud);
        RemovalGuard.Hold h = guard.check(Math.max(0, k - rows), k, rows, null, false);
        if (h == null) return null;
        long id = held.hold(fileName, intakeKey, groupKey, aud.key(), h);
        metrics.guardHeld("file");
        log.warn("File {}: replace of audience {} HELD: {}. Nothing is replaced until an operator approves it (POST /api/files/{}/approve)"
                + " or a later replace of the audience supersedes it", fileName, aud.display(), h.reason(), id);
        return "held for approval as hold " + id + ": " + h.reason();
    }
}
