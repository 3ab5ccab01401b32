package com.metaaudiencesync.poll;

import com.metaaudiencesync.guard.RemovalGuard;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.store.BatchCodec;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tables of the poll jobs: mas_poll_job (a run in progress: owner + lease, so one run per job across
 * instances), mas_poll_run (history), mas_poll_state (rows Meta acknowledged per job and audience: a row key
 * and the hashed cells, so a remove can be rebuilt), mas_poll_seen (the rows a run read). Portable SQL (H2 and
 * PostgreSQL).
 */
public class PollStore {
    public static final String RUNNING = "RUNNING";
    public static final String SENDING = "SENDING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String PARTIAL = "PARTIAL";
    public static final String FAILED = "FAILED";
    public static final String SKIPPED = "SKIPPED";
    /** the guard held the run's removals for an operator (docs/guard-rails.md); its read rows stay in mas_poll_seen */
    public static final String HELD = "HELD";
    /** a held run a later run of the job replaced before anyone approved it */
    public static final String SUPERSEDED = "SUPERSEDED";

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    final JdbcTemplate jdbc;
    /** same DataSource, with a fetch size: diff queries stream instead of loading the whole result */
    final JdbcTemplate streaming;
    final TransactionTemplate tx;
    private final String owner;
    private final long leaseMillis;

    public PollStore(JdbcTemplate jdbc, TransactionTemplate tx, String owner, long leaseMillis) {
        this.jdbc = jdbc;
        this.streaming = new JdbcTemplate(jdbc.getDataSource());
        this.streaming.setFetchSize(1000);
        this.tx = tx;
        this.owner = owner;
        this.leaseMillis = leaseMillis;
    }

    public String owner() { return owner; }

    /** Row key: the first 16 bytes of SHA-256 over the final (hashed) cells, as 32 hex digits. */
    public static String rowKey(String[] row) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < row.length; i++) {
                if (i > 0) md.update((byte) 0x1f);
                md.update((row[i] == null ? "" : row[i]).getBytes(StandardCharsets.UTF_8));
            }
            byte[] d = md.digest();
            char[] out = new char[32];
            for (int i = 0; i < 16; i++) {
                out[2 * i] = HEX[(d[i] >>> 4) & 0xf];
                out[2 * i + 1] = HEX[d[i] & 0xf];
            }
            return new String(out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] encodeRow(String[] row) { return BatchCodec.encode(Collections.singletonList(row)); }
    public static String[] decodeRow(byte[] data) { return new BatchCodec.Reader(data).next(); }

    // ------------------------------------------------------------ jobs and claims

    public void ensureJob(String name) {
        try {
            jdbc.update("INSERT INTO mas_poll_job(name) VALUES (?)", name);
        } catch (DuplicateKeyException e) {
            // exists
        }
    }

    /** True when this instance now holds the job (no other run in progress, or its lease ran out). */
    public boolean claim(String name) {
        long now = System.currentTimeMillis();
        return jdbc.update("UPDATE mas_poll_job SET owner=?, lease_until=?, run_id=NULL WHERE name=? AND (owner IS NULL OR lease_until<?)",
                owner, now + leaseMillis, name, now) == 1;
    }

    public void attachRun(String name, long runId) {
        jdbc.update("UPDATE mas_poll_job SET run_id=? WHERE name=? AND owner=?", runId, name, owner);
    }

    public void renew(String name) {
        jdbc.update("UPDATE mas_poll_job SET lease_until=? WHERE name=? AND owner=?", System.currentTimeMillis() + leaseMillis, name, owner);
    }

    public void release(String name) {
        jdbc.update("UPDATE mas_poll_job SET owner=NULL, lease_until=NULL, run_id=NULL WHERE name=? AND owner=?", name, owner);
    }

    /** At start-up: runs this instance had going when it stopped are failed, and its claims released. */
    public int recoverOwn() {
        int n = jdbc.update("UPDATE mas_poll_run SET status='FAILED', finished_at=?, error='interrupted: the instance stopped during the run (nothing was removed, state unchanged)'"
                + " WHERE status='RUNNING' AND instance_id=?", System.currentTimeMillis(), owner);
        jdbc.update("DELETE FROM mas_poll_seen WHERE run_id IN (SELECT id FROM mas_poll_run WHERE status='FAILED' AND instance_id=?)", owner);
        jdbc.update("UPDATE mas_poll_job SET owner=NULL, lease_until=NULL, run_id=NULL WHERE owner=?", owner);
        return n;
    }

    public Long lastStart(String name) {
        return jdbc.queryForObject("SELECT MAX(started_at) FROM mas_poll_run WHERE job=?", Long.class, name);
    }

    public long queuedBatches(String name) {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE poll_job=?", Number.class, name);
        return n == null ? 0 : n.longValue();
    }

    // ------------------------------------------------------------ runs

    public long insertRun(String job, String trigger, String mode, String audienceKey, String source, String status) {
        GeneratedKeyHolder kh = new GeneratedKeyHolder();
        long now = System.currentTimeMillis();
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement("INSERT INTO mas_poll_run(job, trigger_kind, instance_id, mode, audience_key, source, status, started_at)"
                    + " VALUES (?,?,?,?,?,?,?,?)", new String[]{"id"});
            ps.setString(1, job);
            ps.setString(2, trigger);
            ps.setString(3, owner);
            ps.setString(4, mode);
            ps.setString(5, audienceKey);
            ps.setString(6, trim(source, 1000));
            ps.setString(7, status);
            ps.setLong(8, now);
            return ps;
        }, kh);
        Map<String, Object> keys = kh.getKeys();
        Object id = keys == null ? null : keys.getOrDefault("id", keys.get("ID"));
        if (id == null && keys != null && !keys.isEmpty()) id = keys.values().iterator().next();
        return ((Number) id).longValue();
    }

    public void skipRun(long runId, String why) {
        jdbc.update("UPDATE mas_poll_run SET status='SKIPPED', finished_at=?, error=? WHERE id=?", System.currentTimeMillis(), trim(why, 2000), runId);
    }

    public void failRun(long runId, PollCounts c, String error) {
        long now = System.currentTimeMillis();
        jdbc.update("UPDATE mas_poll_run SET status='FAILED', read_finished_at=?, finished_at=?, rows_read=?, rows_accepted=?, rows_rejected=?,"
                        + " reject_reasons=?, error=? WHERE id=?",
                now, now, c.read, c.accepted, c.rejected, trim(c.reasonsJson(), 4000), trim(error, 2000), runId);
        deleteSeen(runId);
    }

    /** Called inside the emit transaction: the run's counts, and SENDING (or SUCCEEDED when nothing had to be sent). */
    void readDone(long runId, PollCounts c, long distinct, long added, long removed, long unchanged, int batches, Long audienceSize, String warning) {
        long now = System.currentTimeMillis();
        jdbc.update("UPDATE mas_poll_run SET status=?, read_finished_at=?, finished_at=?, rows_read=?, rows_accepted=?, rows_rejected=?, rows_distinct=?,"
                        + " rows_added=?, rows_removed=?, rows_unchanged=?, batches_total=?, audience_size=?, reject_reasons=?, warning=? WHERE id=?",
                batches == 0 ? SUCCEEDED : SENDING, now, batches == 0 ? now : null, c.read, c.accepted, c.rejected, distinct, added, removed, unchanged,
                batches, audienceSize, trim(c.reasonsJson(), 4000), trim(warning, 1000), runId);
    }

    public void batchAcked(long runId, long rows) {
        jdbc.update("UPDATE mas_poll_run SET batches_acked=batches_acked+1, rows_acked=rows_acked+? WHERE id=?", rows, runId);
        complete(runId);
    }

    public void batchDead(long runId, String reason) {
        jdbc.update("UPDATE mas_poll_run SET batches_dead=batches_dead+1, error=COALESCE(error, ?) WHERE id=?",
                trim("a batch was dead-lettered: " + reason, 2000), runId);
        complete(runId);
    }

    void complete(long runId) {
        jdbc.update("UPDATE mas_poll_run SET status=CASE WHEN batches_dead>0 THEN 'PARTIAL' ELSE 'SUCCEEDED' END, finished_at=?"
                + " WHERE id=? AND status='SENDING' AND batches_acked+batches_dead>=batches_total", System.currentTimeMillis(), runId);
    }

    /** Called inside the emit transaction of a held run: its counts and why it is held; its read rows are kept. */
    void held(long runId, PollCounts c, long distinct, long added, long unchanged, int batches, RemovalGuard.Hold h) {
        long now = System.currentTimeMillis();
        jdbc.update("UPDATE mas_poll_run SET status='HELD', read_finished_at=?, rows_read=?, rows_accepted=?, rows_rejected=?, rows_distinct=?,"
                        + " rows_added=?, rows_removed=0, rows_unchanged=?, batches_total=?, reject_reasons=?, held_reason=?, held_would_remove=?,"
                        + " held_known_members=?, held_source_rows=?, held_last_source_rows=?, held_at=? WHERE id=?",
                now, c.read, c.accepted, c.rejected, distinct, added, unchanged, batches, trim(c.reasonsJson(), 4000), trim(h.reason(), 1000),
                h.wouldRemove(), h.knownMembers(), h.sourceRows(), h.lastSourceRows(), now, runId);
    }

    /** Rows the source returned in the job's last successful run (null when there was none). */
    public Long lastSourceRows(String job) {
        List<Long> l = jdbc.queryForList("SELECT rows_read FROM mas_poll_run WHERE job=? AND status IN ('SUCCEEDED','PARTIAL')"
                + " ORDER BY id DESC FETCH FIRST 1 ROWS ONLY", Long.class, job);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Earlier held runs of the job give way to a run that read its source completely: their rows are dropped. */
    int supersedeHeld(String job, long byRunId) {
        List<Long> ids = jdbc.queryForList("SELECT id FROM mas_poll_run WHERE job=? AND status='HELD' AND id<>?", Long.class, job, byRunId);
        for (Long id : ids) {
            jdbc.update("UPDATE mas_poll_run SET status='SUPERSEDED', finished_at=?, error=COALESCE(error, ?) WHERE id=? AND status='HELD'",
                    System.currentTimeMillis(), "superseded by run " + byRunId + " before it was approved (nothing of it was removed)", id);
            deleteSeen(id);
        }
        return ids.size();
    }

    /** Approval: HELD becomes SENDING (true), in the caller's transaction; false when the run is no longer held. */
    boolean approve(long runId) {
        return jdbc.update("UPDATE mas_poll_run SET status='SENDING', approved_at=? WHERE id=? AND status='HELD'", System.currentTimeMillis(), runId) == 1;
    }

    /** After approval: what the released part of the run added to the counts. */
    void released(long runId, long added, long removed, int batches, Long audienceSize) {
        jdbc.update("UPDATE mas_poll_run SET rows_added=rows_added+?, rows_removed=?, batches_total=batches_total+?, audience_size=? WHERE id=?",
                added, removed, batches, audienceSize, runId);
    }

    /** Held runs of every job (health, metrics). */
    public List<Map<String, Object>> heldRuns() {
        return jdbc.queryForList("SELECT id, job, audience_key, held_reason, held_at FROM mas_poll_run WHERE status='HELD' ORDER BY id");
    }

    public long heldCount() {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_poll_run WHERE status='HELD'", Number.class);
        return n == null ? 0 : n.longValue();
    }

    /** State rows the run did not read: what a mirror would remove, and what a replace drops. */
    long goneCount(long runId, String job, String audienceKey) {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_poll_state t WHERE t.job=? AND t.audience_key=? AND NOT EXISTS (SELECT 1 FROM mas_poll_seen s"
                + " WHERE s.run_id=? AND s.row_key=t.row_key)", Number.class, job, audienceKey, runId);
        return n == null ? 0 : n.longValue();
    }

    public List<Map<String, Object>> runs(String job, int limit) {
        return jdbc.queryForList("SELECT * FROM mas_poll_run WHERE job=? ORDER BY id DESC FETCH FIRST " + Math.max(1, Math.min(limit, 1000)) + " ROWS ONLY", job);
    }

    public Map<String, Object> run(long id) {
        List<Map<String, Object>> l = jdbc.queryForList("SELECT * FROM mas_poll_run WHERE id=?", id);
        return l.isEmpty() ? null : l.get(0);
    }

    // ------------------------------------------------------------ seen rows and state

    public void stageSeen(long runId, List<Object[]> keyAndData) {
        if (keyAndData.isEmpty()) return;
        List<Object[]> args = new ArrayList<>(keyAndData.size());
        for (Object[] kd : keyAndData) args.add(new Object[]{runId, kd[0], kd[1]});
        jdbc.batchUpdate("INSERT INTO mas_poll_seen(run_id, row_key, row_data) VALUES (?,?,?)", args);
    }

    public void deleteSeen(long runId) {
        jdbc.update("DELETE FROM mas_poll_seen WHERE run_id=?", runId);
    }

    public long stateCount(String job, String audienceKey) {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_poll_state WHERE job=? AND audience_key=?", Number.class, job, audienceKey);
        return n == null ? 0 : n.longValue();
    }

    public interface RowSink { void row(String key, String[] cells); }

    /** Every distinct row the run read, in key order. */
    void streamSeen(long runId, RowSink sink) {
        stream("SELECT row_key, row_data FROM mas_poll_seen WHERE run_id=? ORDER BY row_key", sink, runId);
    }

    /** Rows the run read that the state does not hold (to add). */
    void streamNew(long runId, String job, String audienceKey, RowSink sink) {
        stream("SELECT s.row_key, s.row_data FROM mas_poll_seen s WHERE s.run_id=? AND NOT EXISTS (SELECT 1 FROM mas_poll_state t"
                + " WHERE t.job=? AND t.audience_key=? AND t.row_key=s.row_key) ORDER BY s.row_key", sink, runId, job, audienceKey);
    }

    /** Rows the state holds that the run did not read (to remove). */
    void streamGone(long runId, String job, String audienceKey, RowSink sink) {
        stream("SELECT t.row_key, t.row_data FROM mas_poll_state t WHERE t.job=? AND t.audience_key=? AND NOT EXISTS (SELECT 1 FROM mas_poll_seen s"
                + " WHERE s.run_id=? AND s.row_key=t.row_key) ORDER BY t.row_key", sink, job, audienceKey, runId);
    }

    /** All rows of the state (an empty replace falls back to removing them). */
    void streamState(String job, String audienceKey, RowSink sink) {
        stream("SELECT row_key, row_data FROM mas_poll_state WHERE job=? AND audience_key=? ORDER BY row_key", sink, job, audienceKey);
    }

    private void stream(String sql, RowSink sink, Object... args) {
        String[] last = {null};
        streaming.query(sql, rs -> {
            String key = rs.getString(1);
            if (key.equals(last[0])) return; // a row the source returned twice
            last[0] = key;
            sink.row(key, decodeRow(rs.getBytes(2)));
        }, args);
    }

    /** Meta acknowledged an add: the rows are in the audience. */
    public void stateAdd(String job, String audienceKey, long runId, List<String[]> rows) {
        long now = System.currentTimeMillis();
        List<Object[]> del = new ArrayList<>(rows.size());
        List<Object[]> ins = new ArrayList<>(rows.size());
        Set<String> keys = new HashSet<>();
        for (String[] r : rows) {
            String k = rowKey(r);
            if (!keys.add(k)) continue;
            del.add(new Object[]{job, audienceKey, k});
            ins.add(new Object[]{job, audienceKey, k, encodeRow(r), runId, now});
        }
        tx.executeWithoutResult(s -> {
            jdbc.batchUpdate("DELETE FROM mas_poll_state WHERE job=? AND audience_key=? AND row_key=?", del);
            jdbc.batchUpdate("INSERT INTO mas_poll_state(job, audience_key, row_key, row_data, run_id, updated_at) VALUES (?,?,?,?,?,?)", ins);
        });
    }

    /** Meta acknowledged a remove: the rows left the audience. */
    public void stateRemove(String job, String audienceKey, List<String[]> rows) {
        List<Object[]> del = new ArrayList<>(rows.size());
        for (String[] r : rows) del.add(new Object[]{job, audienceKey, rowKey(r)});
        jdbc.batchUpdate("DELETE FROM mas_poll_state WHERE job=? AND audience_key=? AND row_key=?", del);
    }

    /** Meta acknowledged a replace session's batch: the state becomes the session's rows. */
    public void stateReplace(String job, String audienceKey, long runId, List<String[]> rows) {
        tx.executeWithoutResult(s -> {
            jdbc.update("DELETE FROM mas_poll_state WHERE job=? AND audience_key=? AND run_id<>?", job, audienceKey, runId);
            stateAdd(job, audienceKey, runId, rows);
        });
    }

    static String trim(String s, int max) { return s == null || s.length() <= max ? s : s.substring(0, max); }

    static int cells() { return MetaKey.COUNT; }
}
