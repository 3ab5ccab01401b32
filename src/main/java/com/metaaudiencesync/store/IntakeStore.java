package com.metaaudiencesync.store;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.Map;

/**
 * Table mas_intake: one row per file taken in. It is the file's claim (owner + lease, so two instances
 * never read one file at once and a crashed instance's file is taken over), its progress (chunks already
 * stored durably, so a re-read after a crash skips them) and its delivery counters for the report.
 */
public class IntakeStore {
    public static final String READING = "READING";
    public static final String READ = "READ";
    public static final String DONE = "DONE";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final BatchStore batches;
    private final String owner;
    private final long leaseMillis;

    public IntakeStore(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches, String owner, long leaseMillis) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.batches = batches;
        this.owner = owner;
        this.leaseMillis = leaseMillis;
    }

    /**
     * Claims a file for this instance. True when nobody else holds a live lease on it. A file whose previous
     * intake was completed (DONE) and that shows up again is a new drop: it starts over.
     */
    public boolean claim(String key, String fileName) { return claim(key, fileName, Long.MAX_VALUE); }

    /**
     * @param seenAt when the caller last saw the file in the inbox: a DONE intake is only started over when it was
     *               finished before that. Otherwise the file was seen before another instance finished it and
     *               moved it away, and starting over would wipe that intake's counts (seen in a two-instance test:
     *               a file reported DONE with 0 batches although its batch had been sent).
     */
    public boolean claim(String key, String fileName, long seenAt) {
        long now = System.currentTimeMillis();
        try {
            jdbc.update("INSERT INTO mas_intake(intake_key, file_name, owner, lease_until, status, started_at) VALUES (?,?,?,?,?,?)",
                    key, fileName, owner, now + leaseMillis, READING, now);
            return true;
        } catch (DuplicateKeyException e) {
            // exists: ours, expired, or done
        }
        int n = jdbc.update("UPDATE mas_intake SET owner=?, lease_until=? WHERE intake_key=? AND status<>'DONE' AND (owner=? OR owner IS NULL OR lease_until<?)",
                owner, now + leaseMillis, key, owner, now);
        if (n == 1) return true;
        n = jdbc.update("UPDATE mas_intake SET owner=?, lease_until=?, status='READING', chunks_committed=0, rows_read=0, rows_accepted=0, rows_rejected=0,"
                        + " batches_total=0, batches_sent=0, batches_dead=0, rows_sent=0, rows_dead=0, num_received=0, num_invalid=0, started_at=?, finished_at=NULL"
                        + " WHERE intake_key=? AND status='DONE' AND (finished_at IS NULL OR finished_at<?)", owner, now + leaseMillis, now, key, seenAt);
        return n == 1;
    }

    /** Gives a claim up (the read failed for a reason worth retrying, e.g. the database was down). */
    public void release(String key) {
        jdbc.update("UPDATE mas_intake SET owner=NULL, lease_until=NULL WHERE intake_key=? AND owner=?", key, owner);
    }

    public void renew(String key) {
        jdbc.update("UPDATE mas_intake SET lease_until=? WHERE intake_key=? AND owner=?", System.currentTimeMillis() + leaseMillis, key, owner);
    }

    public int chunksCommitted(String key) {
        List<Integer> l = jdbc.queryForList("SELECT chunks_committed FROM mas_intake WHERE intake_key=?", Integer.class, key);
        return l.isEmpty() ? 0 : l.get(0);
    }

    public String status(String key) {
        List<String> l = jdbc.queryForList("SELECT status FROM mas_intake WHERE intake_key=?", String.class, key);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Stores one batch of a file and the file's progress in one transaction. */
    public void commitChunk(String key, int seq, Batch b, boolean held) {
        tx.executeWithoutResult(s -> {
            batches.insert(b, held);
            int n = jdbc.update("UPDATE mas_intake SET chunks_committed=?, batches_total=batches_total+1, lease_until=? WHERE intake_key=? AND owner=?",
                    seq, System.currentTimeMillis() + leaseMillis, key, owner);
            if (n != 1) throw new IllegalStateException("lost the claim on " + key);
        });
    }

    public void releaseGroup(String groupKey) { batches.releaseGroup(groupKey); }

    /** Batches of this intake that Meta acknowledged or that were dead-lettered (the rest are still queued). */
    public long batchesSettled(String key) {
        List<Long> l = jdbc.queryForList("SELECT batches_sent + batches_dead FROM mas_intake WHERE intake_key=?", Long.class, key);
        return l.isEmpty() || l.get(0) == null ? 0 : l.get(0);
    }

    public void markRead(String key, long read, long accepted, long rejected, String reportJson, String reportPath) {
        jdbc.update("UPDATE mas_intake SET status='READ', rows_read=?, rows_accepted=?, rows_rejected=?, report_json=?, report_path=? WHERE intake_key=?",
                read, accepted, rejected, reportJson, reportPath, key);
    }

    public void markDone(String key) {
        jdbc.update("UPDATE mas_intake SET status='DONE', owner=NULL, lease_until=NULL, finished_at=? WHERE intake_key=?", System.currentTimeMillis(), key);
    }

    public void delivered(String key, long rows, long received, long invalid) {
        jdbc.update("UPDATE mas_intake SET batches_sent=batches_sent+1, rows_sent=rows_sent+?, num_received=num_received+?, num_invalid=num_invalid+? WHERE intake_key=?",
                rows, received, invalid, key);
    }

    public void dead(String key, long rows) {
        jdbc.update("UPDATE mas_intake SET batches_dead=batches_dead+1, rows_dead=rows_dead+? WHERE intake_key=?", rows, key);
    }

    public Map<String, Object> row(String key) {
        List<Map<String, Object>> l = jdbc.queryForList("SELECT * FROM mas_intake WHERE intake_key=?", key);
        return l.isEmpty() ? null : l.get(0);
    }
}
