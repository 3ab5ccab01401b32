package com.metaaudiencesync.guard;

import com.metaaudiencesync.store.BatchStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.PreparedStatement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held .replace files (mas_guard_hold). The file's batches wait in mas_batch as a HELD replace group: approving
 * releases the group (one usersreplace session, as for any replace file); a later replace of the same audience
 * supersedes the hold and deletes the held batches.
 */
public class HeldFiles {
    public static final String HELD = "HELD";
    public static final String APPROVED = "APPROVED";
    public static final String SUPERSEDED = "SUPERSEDED";

    public enum Result { APPROVED, NOT_FOUND, NOT_HELD }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final BatchStore batches;

    public HeldFiles(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.batches = batches;
    }

    public long hold(String fileName, String intakeKey, String groupKey, String audienceKey, RemovalGuard.Hold h) {
        GeneratedKeyHolder kh = new GeneratedKeyHolder();
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement("INSERT INTO mas_guard_hold(file_name, intake_key, group_key, audience_key, reason, would_remove,"
                    + " known_members, source_rows, status, held_at) VALUES (?,?,?,?,?,?,?,?,?,?)", new String[]{"id"});
            ps.setString(1, trim(fileName, 600));
            ps.setString(2, intakeKey);
            ps.setString(3, groupKey);
            ps.setString(4, audienceKey);
            ps.setString(5, trim(h.reason(), 1000));
            ps.setLong(6, h.wouldRemove());
            ps.setLong(7, h.knownMembers());
            ps.setLong(8, h.sourceRows());
            ps.setString(9, HELD);
            ps.setLong(10, System.currentTimeMillis());
            return ps;
        }, kh);
        Map<String, Object> keys = kh.getKeys();
        Object id = keys == null ? null : keys.getOrDefault("id", keys.get("ID"));
        if (id == null && keys != null && !keys.isEmpty()) id = keys.values().iterator().next();
        return ((Number) id).longValue();
    }

    /** The status of the hold of a replace group, null when it was never held (a re-read of the same file asks again). */
    public String statusOf(String groupKey) {
        List<String> l = jdbc.queryForList("SELECT status FROM mas_guard_hold WHERE group_key=? ORDER BY id DESC", String.class, groupKey);
        return l.isEmpty() ? null : l.get(0);
    }

    public List<Map<String, Object>> held() {
        return jdbc.queryForList("SELECT id, file_name, audience_key, reason, would_remove, known_members, source_rows, held_at"
                + " FROM mas_guard_hold WHERE status='HELD' ORDER BY id");
    }

    /** A held file as the API and the health component show it (counts and names, never rows). */
    public static Map<String, Object> describe(Map<String, Object> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.get("id"));
        m.put("file", f.get("file_name"));
        m.put("audience", f.get("audience_key"));
        m.put("reason", f.get("reason"));
        m.put("wouldRemove", f.get("would_remove"));
        m.put("knownMembers", f.get("known_members"));
        m.put("sourceRows", f.get("source_rows"));
        m.put("heldAt", GuardBeans.time(f.get("held_at")));
        return m;
    }

    public long heldCount() {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_guard_hold WHERE status='HELD'", Number.class);
        return n == null ? 0 : n.longValue();
    }

    /** Releases a held file's replace: its batches become ready and go to Meta as one session. */
    public Result approve(long id) {
        List<Map<String, Object>> l = jdbc.queryForList("SELECT group_key, status FROM mas_guard_hold WHERE id=?", id);
        if (l.isEmpty()) return Result.NOT_FOUND;
        String group = (String) l.get(0).get("group_key");
        Boolean ok = tx.execute(s -> {
            if (jdbc.update("UPDATE mas_guard_hold SET status='APPROVED', decided_at=? WHERE id=? AND status='HELD'", System.currentTimeMillis(), id) != 1) {
                return false;
            }
            batches.releaseGroup(group);
            return true;
        });
        return Boolean.TRUE.equals(ok) ? Result.APPROVED : Result.NOT_HELD;
    }

    /** A newer replace of the audience makes earlier held ones moot: their batches are deleted, never sent. */
    public int supersede(String audienceKey, String byGroupKey) {
        List<Map<String, Object>> l = jdbc.queryForList("SELECT id, group_key FROM mas_guard_hold WHERE audience_key=? AND status='HELD' AND group_key<>?",
                audienceKey, byGroupKey);
        for (Map<String, Object> h : l) {
            tx.executeWithoutResult(s -> {
                long id = ((Number) h.get("id")).longValue();
                if (jdbc.update("UPDATE mas_guard_hold SET status='SUPERSEDED', decided_at=? WHERE id=? AND status='HELD'", System.currentTimeMillis(), id) != 1) return;
                for (Long batch : jdbc.queryForList("SELECT id FROM mas_batch WHERE group_key=? AND state='HELD'", Long.class, h.get("group_key"))) {
                    batches.delete(batch);
                }
            });
        }
        return l.size();
    }

    private static String trim(String s, int max) { return s == null || s.length() <= max ? s : s.substring(0, max); }
}
