package com.metaaudiencesync.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.model.Action;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Table mas_pending: rows that arrived in small pieces (webhooks) and are durable the moment {@link #append}
 * returns, until {@link #flush} groups them into batches of up to batch-size rows per (audience, action):
 * when a group is full, or when its oldest row has waited sync.batch-timeout.
 */
public class PendingStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<String[]> ROW = new TypeReference<>() {};

    /** @param ldu Limited Data Use "country,state" or null */
    public record PendingRow(AudienceRef audience, Action action, String[] row, String source, String ldu) {
        public PendingRow(AudienceRef audience, Action action, String[] row, String source) { this(audience, action, row, source, null); }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final BatchStore batches;

    public PendingStore(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.batches = batches;
    }

    /** Stores rows durably, all or none (one transaction). */
    public void append(List<PendingRow> rows) {
        if (rows.isEmpty()) return;
        long now = System.currentTimeMillis();
        List<Object[]> args = new ArrayList<>(rows.size());
        for (PendingRow r : rows) {
            args.add(new Object[]{r.audience().key(), r.audience().id(), r.audience().name(), r.action().name(),
                    encodeRow(r.row()), r.source(), now, r.ldu()});
        }
        tx.executeWithoutResult(s -> jdbc.batchUpdate(
                "INSERT INTO mas_pending(audience_key, audience_id, audience_name, action, row_data, source, created_at, ldu) VALUES (?,?,?,?,?,?,?,?)", args));
    }

    /**
     * A row as stored in row_data: "b" + Base64 of its {@link BatchCodec#encodeRow} form (a 32-byte digest per hash,
     * 44 characters instead of the 64 hex digits of JSON, and copied into a batch without decoding). Rows written
     * by older versions are JSON arrays ("[...]") and are still read.
     */
    static String encodeRow(String[] row) {
        String b = "b" + Base64.getEncoder().encodeToString(BatchCodec.encodeRow(row));
        if (b.length() <= 2000) return b;
        // long text cells (an external id, a MADID) grow by a third in Base64: keep whichever form is shorter
        try {
            String json = JSON.writeValueAsString(row);
            return json.length() < b.length() ? json : b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void addRow(BatchCodec.Writer w, String data) {
        if (data.startsWith("b")) {
            w.addEncoded(Base64.getDecoder().decode(data.substring(1)));
        } else {
            try {
                w.add(JSON.readValue(data, ROW));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public long count() {
        Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending", Number.class);
        return n == null ? 0 : n.longValue();
    }

    private int batchSize = 10000;
    private long timeoutMillis = 5000;

    public PendingStore configure(int batchSize, long timeoutMillis) {
        this.batchSize = batchSize;
        this.timeoutMillis = timeoutMillis;
        return this;
    }

    /** {@link #flush(int, long)} with the configured sync.batch-size and sync.batch-timeout. */
    public int flush() { return flush(batchSize, timeoutMillis); }

    /** Moves every group that is full or old enough into batches. @return batches created */
    public int flush(int batchSize, long timeoutMillis) {
        long now = System.currentTimeMillis();
        // nothing is due while fewer rows than a batch wait and the oldest row (the lowest id) is younger than the
        // timeout: two index lookups instead of grouping the whole table every flush period
        Number total = jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending", Number.class);
        if (total == null || total.longValue() == 0) return 0;
        if (total.longValue() < batchSize) {
            List<Long> oldest = jdbc.queryForList("SELECT created_at FROM mas_pending WHERE id=(SELECT MIN(id) FROM mas_pending)", Long.class);
            if (!oldest.isEmpty() && oldest.get(0) > now - timeoutMillis) return 0;
        }
        List<Map<String, Object>> groups = jdbc.queryForList(
                "SELECT audience_key, action, COALESCE(ldu, '') AS ldu, COUNT(*) AS n, MIN(created_at) AS oldest, MIN(id) AS first_id FROM mas_pending"
                        + " GROUP BY audience_key, action, COALESCE(ldu, '') ORDER BY MIN(id)");
        int made = 0;
        for (Map<String, Object> g : groups) {
            long n = ((Number) g.get("n")).longValue();
            long oldest = ((Number) g.get("oldest")).longValue();
            String key = (String) g.get("audience_key");
            String action = (String) g.get("action");
            String ldu = (String) g.get("ldu");
            while (n >= batchSize || (n > 0 && oldest <= now - timeoutMillis)) {
                int taken = takeBatch(key, action, ldu == null ? "" : ldu, batchSize);
                if (taken <= 0) break;
                made++;
                n -= taken;
            }
        }
        return made;
    }

    private int takeBatch(String key, String action, String ldu, int batchSize) {
        Integer n = tx.execute(s -> {
            BatchCodec.Writer w = new BatchCodec.Writer(batchSize);
            long[] range = {Long.MAX_VALUE, Long.MIN_VALUE};
            Object[][] first = new Object[1][];
            jdbc.query("SELECT id, audience_id, audience_name, row_data, source FROM mas_pending WHERE audience_key=? AND action=? AND COALESCE(ldu, '')=?"
                    + " ORDER BY id FETCH FIRST " + batchSize + " ROWS ONLY", rs -> {
                long id = rs.getLong(1);
                range[0] = Math.min(range[0], id);
                range[1] = Math.max(range[1], id);
                if (first[0] == null) first[0] = new Object[]{rs.getString(2), rs.getString(3), rs.getString(5)};
                addRow(w, rs.getString(4));
            }, key, action, ldu);
            if (w.rowCount() == 0) return 0;
            // the rows read are exactly the group's rows in [first id, last id]: one range delete, checked by its
            // count. A row of that range committed after the read (an older id, a slower transaction) makes the
            // count differ: nothing is taken, the next flush reads again
            int deleted = jdbc.update("DELETE FROM mas_pending WHERE audience_key=? AND action=? AND COALESCE(ldu, '')=? AND id BETWEEN ? AND ?",
                    key, action, ldu, range[0], range[1]);
            if (deleted != w.rowCount()) { s.setRollbackOnly(); return -1; } // another instance took them, or a late row
            AudienceRef ref = new AudienceRef((String) first[0][0], (String) first[0][1]);
            batches.insert(Batch.newBatch(ref, Action.valueOf(action), w.rowCount(), w.toPayload(), (String) first[0][2])
                    .withLdu(ldu.isEmpty() ? null : ldu), false);
            return w.rowCount();
        });
        return n == null ? 0 : n;
    }
}
