package com.metaaudiencesync.store;

import com.metaaudiencesync.model.Action;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The durable queue of batches between intake and Meta (table mas_batch) and the dead letters
 * (mas_dead_letter). Claims are leases: a batch being sent belongs to one instance until its lease ends, so a
 * crashed instance's batches are sent again by whoever comes next (at most the in-flight batches are re-sent).
 * Portable SQL only (H2 and PostgreSQL); a claim is an UPDATE guarded by the expected state.
 */
public class BatchStore {
    private static final Logger log = LoggerFactory.getLogger(BatchStore.class);
    public static final String READY = "READY";
    public static final String HELD = "HELD";
    public static final String INFLIGHT = "INFLIGHT";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final String owner;
    private final long leaseMillis;
    /** where payloads live when not in the database (an H2 file database, see {@link PayloadSpool}); null: in the row */
    private final PayloadSpool spool;
    private static final Payload EMPTY = Payload.of(new byte[0]);

    public BatchStore(JdbcTemplate jdbc, TransactionTemplate tx, String owner, long leaseMillis) {
        this(jdbc, tx, owner, leaseMillis, null);
    }

    /** @param spool payload files, or null to keep payloads in the database */
    public BatchStore(JdbcTemplate jdbc, TransactionTemplate tx, String owner, long leaseMillis, PayloadSpool spool) {
        this(jdbc, tx, owner, leaseMillis, spool, true);
    }

    /**
     * @param spool      payload files, or null
     * @param spoolWrites new payloads go to {@code spool}; false: into the database, while batches stored in files
     *                    before (sync.payload-store changed to database) are still read from them and cleaned up
     */
    public BatchStore(JdbcTemplate jdbc, TransactionTemplate tx, String owner, long leaseMillis, PayloadSpool spool, boolean spoolWrites) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.owner = owner;
        this.leaseMillis = leaseMillis;
        this.spool = spool;
        this.spoolWrites = spool != null && spoolWrites;
    }

    private final boolean spoolWrites;

    public String owner() { return owner; }

    /** the payload files, or null when payloads are kept in the database */
    public PayloadSpool spool() { return spool; }

    public JdbcTemplate jdbc() { return jdbc; }

    /** Inserts a batch; READY unless it belongs to a group (replace session) still being written: HELD. */
    public void insert(Batch b, boolean held) {
        long now = System.currentTimeMillis();
        // with a spool the file is complete before the row naming it can be committed (a crash in between leaves an
        // unreferenced file, which PayloadSpool.sweep removes, never a row without its rows)
        String ref = spoolWrites ? spoolWrite(b.payload()) : null;
        try {
            // with the types given: for each null argument Spring would otherwise ask the driver for the statement's
            // parameter metadata (six times per batch, most of the statements H2 ran during a file)
            jdbc.update("INSERT INTO mas_batch(audience_key, audience_id, audience_name, action, row_count, payload, payload_ref, source, intake_key, chunk_seq,"
                            + " group_key, group_seq, poll_job, poll_run, state, attempts, next_attempt_at, created_at, ldu) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)",
                    new Object[] {b.audience().key(), b.audience().id(), b.audience().name(), b.action().name(), b.rowCount(), stream(ref == null ? b.payload() : EMPTY), ref,
                            trim(b.source(), 600), b.intakeKey(), b.chunkSeq(), b.groupKey(), b.groupSeq(), b.pollJob(), b.pollRun(), held ? HELD : READY, now, now, b.ldu()},
                    INSERT_TYPES);
        } catch (RuntimeException e) {
            if (ref != null) spoolDelete(ref);
            throw e;
        }
        if (ref != null) onCompletion(TransactionSynchronization.STATUS_ROLLED_BACK, ref); // the enclosing transaction may still roll back
        if (!held) afterCommit(this::signalStored);
    }

    private static final int[] INSERT_TYPES = {Types.VARCHAR, Types.VARCHAR, Types.VARCHAR, Types.VARCHAR,
            Types.INTEGER, Types.BLOB, Types.VARCHAR, Types.VARCHAR, Types.VARCHAR, Types.INTEGER,
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

    private String spoolWrite(Payload p) {
        try {
            return spool.write(p);
        } catch (IOException e) {
            throw new DataAccessResourceFailureException("cannot write a batch payload file in " + spool.dir() + ": " + e.getMessage(), e);
        }
    }

    private void spoolDelete(String ref) {
        try {
            spool.delete(ref);
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete the payload file {} ({}); the periodic clean-up removes it later", ref, e.toString());
        }
    }

    /**
     * Deletes {@code ref}'s file once the current transaction ends with {@code status} (committed: the row that named it
     * is gone; rolled back: the row that would have named it was never stored). Outside a transaction the statement
     * has already committed: deleted now when that is the status asked for.
     */
    private void onCompletion(int status, String ref) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override public void afterCompletion(int s) { if (s == status) spoolDelete(ref); }
            });
        } else if (status == TransactionSynchronization.STATUS_COMMITTED) {
            spoolDelete(ref);
        }
    }

    /** the payload file a queued batch (or, with {@code table} mas_dead_letter, a dead letter) refers to, or null */
    private String refOf(String table, long id) {
        List<String> l = jdbc.queryForList("SELECT payload_ref FROM " + table + " WHERE id=?", String.class, id);
        return l.isEmpty() ? null : l.get(0);
    }

    /**
     * Deletes the payload files no batch or dead letter refers to (left by a crash) that are older than
     * {@code graceMillis}. Returns how many; 0 without a spool.
     */
    public int sweepSpool(long graceMillis) {
        if (spool == null) return 0;
        Set<String> refs = new HashSet<>(jdbc.queryForList(
                "SELECT payload_ref FROM mas_batch WHERE payload_ref IS NOT NULL UNION ALL SELECT payload_ref FROM mas_dead_letter WHERE payload_ref IS NOT NULL",
                String.class));
        try {
            return spool.sweep(refs, graceMillis);
        } catch (IOException e) {
            log.warn("could not clean the payload directory {}: {}", spool.dir(), e.toString());
            return 0;
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
     * The payload of a batch row: from its file when it names one, else from the row. Null when the file is gone
     * (deleted by hand): the sender dead-letters such a batch with its reason instead of sending nothing.
     */
    private Payload storedPayload(ResultSet rs) throws SQLException {
        String ref = rs.getString("payload_ref");
        if (ref == null) return payload(rs);
        if (spool == null) {
            log.error("batch {} keeps its rows in a payload file ({}), but this instance keeps payloads in the database (sync.payload-store)", rs.getLong("id"), ref);
            return null;
        }
        try {
            return spool.read(ref);
        } catch (NoSuchFileException e) {
            log.error("batch {}: its payload file {} is missing from {}", rs.getLong("id"), ref, spool.dir());
            return null;
        } catch (IOException e) {
            throw new SQLException("cannot read the payload file " + ref + " of batch " + rs.getLong("id"), e);
        }
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
        String ref = spool == null ? null : refOf("mas_batch", id);
        jdbc.update("DELETE FROM mas_batch WHERE id=?", id);
        if (ref != null) onCompletion(TransactionSynchronization.STATUS_COMMITTED, ref);
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
            // a payload file stays where it is: the dead letter names it instead of the batch
            String ref = refOf("mas_batch", b.id());
            jdbc.update("INSERT INTO mas_dead_letter(batch_id, audience_key, audience_id, audience_name, action, row_count, payload, payload_ref, source, intake_key,"
                            + " poll_job, poll_run, reason, code, attempts, created_at, dead_at, ldu) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    b.id(), b.audience().key(), b.audience().id(), b.audience().name(), b.action().name(), b.rowCount(),
                    stream(ref != null || b.payload() == null ? EMPTY : b.payload()), ref,
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
