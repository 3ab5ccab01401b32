package com.metaaudiencesync.store;

import com.metaaudiencesync.model.Action;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The durable queue of batches between intake and Meta (table mas_batch) and the dead letters
 * (mas_dead_letter). Claims are leases: a batch being sent belongs to one instance until its lease ends, so a
 * crashed instance's batches are sent again by whoever comes next (at most the in-flight batches are re-sent).
 * Portable SQL only (H2 and PostgreSQL); a claim is an UPDATE guarded by the expected state.
 */
public class BatchStore {
    public static final String READY = "READY";
    public static final String HELD = "HELD";
    public static final String INFLIGHT = "INFLIGHT";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final String owner;
    private final long leaseMillis;
    private static final Payload EMPTY = Payload.of(new byte[0]);

    public BatchStore(JdbcTemplate jdbc, TransactionTemplate tx, String owner, long leaseMillis) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.owner = owner;
        this.leaseMillis = leaseMillis;
    }

    public String owner() { return owner; }

    public JdbcTemplate jdbc() { return jdbc; }

    /** Inserts a batch; READY unless it belongs to a group (replace session) still being written: HELD. */
    public void insert(Batch b, boolean held) {
        long now = System.currentTimeMillis();
        // with the types given: for each null argument Spring would otherwise ask the driver for the statement's
        // parameter metadata (six times per batch, most of the statements H2 ran during a file)
        jdbc.update("INSERT INTO mas_batch(audience_key, audience_id, audience_name, action, row_count, payload, source, intake_key, chunk_seq,"
                        + " group_key, group_seq, poll_job, poll_run, state, attempts, next_attempt_at, created_at, ldu) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)",
                new Object[] {b.audience().key(), b.audience().id(), b.audience().name(), b.action().name(), b.rowCount(), stream(b.payload()),
                        trim(b.source(), 600), b.intakeKey(), b.chunkSeq(), b.groupKey(), b.groupSeq(), b.pollJob(), b.pollRun(), held ? HELD : READY, now, now, b.ldu()},
                INSERT_TYPES);
        if (!held) afterCommit(this::signalStored);
    }

    private static final int[] INSERT_TYPES = {Types.VARCHAR, Types.VARCHAR, Types.VARCHAR, Types.VARCHAR,
            Types.INTEGER, Types.BLOB, Types.VARCHAR, Types.VARCHAR, Types.INTEGER,
            Types.VARCHAR, Types.INTEGER, Types.VARCHAR, Types.BIGINT, Types.VARCHAR, Types.BIGINT,
            Types.BIGINT, Types.VARCHAR};

    /** batches this instance stored READY (counted once committed): what an idle sending worker waits for */
    private long stored;

    /** how many READY batches this instance has stored so far (see {@link #awaitStored}) */
    public synchronized long storedCount() { return stored; }

    /**
     * Waits until this instance stores a READY batch after {@code seen} ({@link #storedCount}) was read, at most
     * {@code millis}. True when one was stored. Batches of other instances are not signalled: the send route's
     * ticks find those.
     */
    public synchronized boolean awaitStored(long seen, long millis) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000L;
        while (stored == seen) {
            long left = until - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    private synchronized void signalStored() {
        stored++;
        notifyAll();
    }

    /** Runs {@code r} in one transaction (joins the current one if there is one). */
    public void inTransaction(Runnable r) { tx.executeWithoutResult(s -> r.run()); }

    /**
     * Runs {@code r} once the current transaction has committed (not at all if it rolls back), or now outside a
     * transaction: for what must not happen for a change that may still be undone (a report file, a count in memory).
     */
    public static void afterCommit(Runnable r) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override public void afterCommit() { r.run(); }
            });
        } else {
            r.run();
        }
    }

    /**
     * A payload bound as a stream of known length: H2 then writes its BLOB blocks straight from the payload's
     * blocks (with setBytes it would need the whole multi-megabyte array), PostgreSQL sends it as bytea.
     */
    static SqlTypeValue stream(Payload payload) {
        return (ps, index, sqlType, typeName) -> ps.setBinaryStream(index, payload.stream(), payload.length());
    }

    /**
     * Reads a payload into blocks ({@link Payload}). On H2 the column is a BLOB (see CoreBeans): getBytes would
     * grow one array by doubling (≈ 3 copies of a 3 MB batch, each a humongous object for G1); on PostgreSQL
     * (bytea) the driver returns the array.
     */
    static Payload payload(ResultSet rs) throws SQLException {
        Object o = rs.getObject("payload");
        if (o instanceof byte[] a) return Payload.of(a);
        if (o instanceof Blob blob) {
            try (InputStream in = blob.getBinaryStream()) {
                return Payload.read(in, blob.length());
            } catch (IOException e) {
                throw new SQLException("cannot read a batch payload", e);
            } finally {
                blob.free();
            }
        }
        byte[] a = rs.getBytes("payload");
        return a == null ? null : Payload.of(a);
    }

    /**
     * The payload of a batch row; null when the row still names a payload file of an earlier version that was
     * missing at the upgrade ({@link SpoolUpgrade}): the sender dead-letters such a batch (payload_missing).
     */
    private static Payload storedPayload(ResultSet rs) throws SQLException {
        return rs.getString("payload_ref") != null ? null : payload(rs);
    }

    /** Releases the HELD batches of a group once all of them are stored. */
    public int releaseGroup(String groupKey) {
        return jdbc.update("UPDATE mas_batch SET state='READY' WHERE group_key=? AND state='HELD'", groupKey);
    }

    private static final String COLS = "id, audience_id, audience_name, action, row_count, payload, payload_ref, source, intake_key, chunk_seq, group_key, group_seq, poll_job, poll_run, attempts, first_failure_at, created_at, ldu";

    private final RowMapper<Batch> MAPPER = (rs, i) -> new Batch(rs.getLong("id"),
            new AudienceRef(rs.getString("audience_id"), rs.getString("audience_name")),
            Action.valueOf(rs.getString("action")), rs.getInt("row_count"), storedPayload(rs), rs.getString("source"),
            rs.getString("intake_key"), (Integer) rs.getObject("chunk_seq"), rs.getString("group_key"), (Integer) rs.getObject("group_seq"),
            rs.getString("poll_job"), rs.getObject("poll_run") == null ? null : rs.getLong("poll_run"),
            rs.getInt("attempts"), rs.getObject("first_failure_at") == null ? null : rs.getLong("first_failure_at"), rs.getLong("created_at"),
            rs.getString("ldu"));

    /**
     * Claims up to {@code max} ready single batches (not replace groups). A batch is only eligible when no
     * older batch of the same audience with another action is still queued, so an add and a later remove of
     * the same person reach Meta in the order they were taken in.
     */
    public List<Batch> claimReady(int max, Iterable<String> excludedAudienceKeys) {
        long now = System.currentTimeMillis();
        List<Long> ids = jdbc.queryForList(
                "SELECT b.id FROM mas_batch b WHERE b.state='READY' AND b.next_attempt_at<=? AND b.group_key IS NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM mas_batch o WHERE o.audience_key=b.audience_key AND o.id<b.id AND o.action<>b.action)"
                        + " ORDER BY b.id FETCH FIRST " + (max * 4) + " ROWS ONLY", Long.class, now);
        List<Batch> out = new ArrayList<>();
        for (Long id : ids) {
            if (out.size() >= max) break;
            int n = jdbc.update("UPDATE mas_batch SET state='INFLIGHT', owner=?, lease_until=? WHERE id=? AND state='READY'",
                    owner, now + leaseMillis, id);
            if (n == 1) {
                List<Batch> b = jdbc.query("SELECT " + COLS + " FROM mas_batch WHERE id=?", MAPPER, id);
                out.addAll(b);
            }
        }
        return out;
    }

    /** Claims one complete replace group (all its batches, in sequence order), or an empty list. */
    public List<Batch> claimGroup() {
        long now = System.currentTimeMillis();
        List<String> groups = jdbc.queryForList(
                "SELECT g.group_key FROM mas_batch g WHERE g.group_key IS NOT NULL AND g.state='READY' AND g.next_attempt_at<=?"
                        + " AND NOT EXISTS (SELECT 1 FROM mas_batch h WHERE h.group_key=g.group_key AND h.state<>'READY')"
                        + " AND NOT EXISTS (SELECT 1 FROM mas_batch o WHERE o.audience_key=g.audience_key AND o.id<g.id AND (o.group_key IS NULL OR o.group_key<>g.group_key))"
                        + " ORDER BY g.id FETCH FIRST 1 ROWS ONLY", String.class, now);
        if (groups.isEmpty()) return List.of();
        String g = groups.get(0);
        Integer claimed = tx.execute(s -> {
            int total = jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE group_key=?", Integer.class, g);
            int n = jdbc.update("UPDATE mas_batch SET state='INFLIGHT', owner=?, lease_until=? WHERE group_key=? AND state='READY'",
                    owner, now + leaseMillis, g);
            if (n != total) { s.setRollbackOnly(); return 0; }
            return n;
        });
        if (claimed == null || claimed == 0) return List.of();
        return jdbc.query("SELECT " + COLS + " FROM mas_batch WHERE group_key=? ORDER BY group_seq", MAPPER, g);
    }

    /** Extends the lease of batches this instance is still working on. */
    public void renew(List<Long> ids) {
        long until = System.currentTimeMillis() + leaseMillis;
        for (Long id : ids) jdbc.update("UPDATE mas_batch SET lease_until=? WHERE id=? AND owner=?", until, id, owner);
    }

    /** Meta acknowledged the batch: it leaves the queue. */
    public void delete(long id) {
        jdbc.update("DELETE FROM mas_batch WHERE id=?", id);
    }

    public void retryLater(Batch b, long delayMillis, String error) {
        long now = System.currentTimeMillis();
        jdbc.update("UPDATE mas_batch SET state='READY', owner=NULL, lease_until=NULL, attempts=attempts+1, next_attempt_at=?,"
                        + " first_failure_at=COALESCE(first_failure_at, ?), last_error=? WHERE id=?",
                now + delayMillis, now, trim(error, 2000), b.id());
    }

    /** Puts a batch back without counting an attempt (e.g. the account is paused, or shutdown). */
    public void release(Batch b, long delayMillis) {
        jdbc.update("UPDATE mas_batch SET state='READY', owner=NULL, lease_until=NULL, next_attempt_at=? WHERE id=? AND state='INFLIGHT'",
                System.currentTimeMillis() + delayMillis, b.id());
    }

    /** Moves the batch to the dead letters with its reason, in one transaction. */
    public void deadLetter(Batch b, String reason, String code, int attempts) {
        tx.executeWithoutResult(s -> {
            // a missing payload file's name goes with it (a replay is dead-lettered again, not sent empty)
            jdbc.update("INSERT INTO mas_dead_letter(batch_id, audience_key, audience_id, audience_name, action, row_count, payload, payload_ref, source, intake_key,"
                            + " poll_job, poll_run, reason, code, attempts, created_at, dead_at, ldu) VALUES (?,?,?,?,?,?,?,(SELECT payload_ref FROM mas_batch WHERE id=?),?,?,?,?,?,?,?,?,?,?)",
                    b.id(), b.audience().key(), b.audience().id(), b.audience().name(), b.action().name(), b.rowCount(),
                    stream(b.payload() == null ? EMPTY : b.payload()), b.id(),
                    trim(b.source(), 600), b.intakeKey(), b.pollJob(), b.pollRun(), trim(reason, 2000), code, attempts, b.createdAt(), System.currentTimeMillis(), b.ldu());
            jdbc.update("DELETE FROM mas_batch WHERE id=?", b.id());
        });
    }

    /** At start-up: what this instance had in flight when it died goes back to the queue. */
    public int releaseOwn() {
        return jdbc.update("UPDATE mas_batch SET state='READY', owner=NULL, lease_until=NULL WHERE state='INFLIGHT' AND owner=?", owner);
    }

    /** Batches whose owner's lease ran out (crashed instance) go back to the queue. */
    public int recoverExpired() {
        return jdbc.update("UPDATE mas_batch SET state='READY', owner=NULL, lease_until=NULL WHERE state='INFLIGHT' AND lease_until<?",
                System.currentTimeMillis());
    }

    /** Dead letters back into the queue (all, or one audience key / one id). */
    public int replayDeadLetters(Long id) {
        Integer n = tx.execute(s -> {
            List<Map<String, Object>> rows = jdbc.queryForList(
                    "SELECT id FROM mas_dead_letter" + (id == null ? "" : " WHERE id=" + id.longValue()) + " ORDER BY id");
            int c = 0;
            long now = System.currentTimeMillis();
            for (Map<String, Object> r : rows) {
                long dl = ((Number) r.get("id")).longValue();
                // the file's report counted this batch as dead: it is pending again (counted as sent once delivered)
                jdbc.update("UPDATE mas_intake SET batches_dead=batches_dead-1, rows_dead=rows_dead-(SELECT row_count FROM mas_dead_letter WHERE id=?)"
                        + " WHERE intake_key=(SELECT intake_key FROM mas_dead_letter WHERE id=?) AND batches_dead>0", dl, dl);
                c += jdbc.update("INSERT INTO mas_batch(audience_key, audience_id, audience_name, action, row_count, payload, payload_ref, source, intake_key,"
                        + " poll_job, poll_run, state, attempts, next_attempt_at, created_at, ldu) SELECT audience_key, audience_id, audience_name, action, row_count,"
                        + " payload, payload_ref, source, intake_key, poll_job, poll_run, 'READY', 0, ?, ?, ldu FROM mas_dead_letter WHERE id=?", now, now, dl);
                jdbc.update("DELETE FROM mas_dead_letter WHERE id=?", dl);
            }
            return c;
        });
        return n == null ? 0 : n;
    }

    public List<Map<String, Object>> listDeadLetters(int limit) {
        return jdbc.queryForList("SELECT id, batch_id, audience_id, audience_name, action, row_count, source, reason, code, attempts, created_at, dead_at"
                + " FROM mas_dead_letter ORDER BY id FETCH FIRST " + limit + " ROWS ONLY");
    }

    public long queuedBatches() { return count("SELECT COUNT(*) FROM mas_batch"); }
    public long queuedRows() { return count("SELECT COALESCE(SUM(row_count),0) FROM mas_batch"); }
    public long deadLetterBatches() { return count("SELECT COUNT(*) FROM mas_dead_letter"); }
    public long deadLetterRows() { return count("SELECT COALESCE(SUM(row_count),0) FROM mas_dead_letter"); }

    private long count(String sql) {
        Number n = jdbc.queryForObject(sql, Number.class);
        return n == null ? 0 : n.longValue();
    }

    static String trim(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
