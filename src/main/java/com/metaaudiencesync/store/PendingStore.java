package com.metaaudiencesync.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.model.Action;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
            try {
                args.add(new Object[]{r.audience().key(), r.audience().id(), r.audience().name(), r.action().name(),
                        JSON.writeValueAsString(r.row()), r.source(), now, r.ldu()});
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        tx.executeWithoutResult(s -> jdbc.batchUpdate(
                "INSERT INTO mas_pending(audience_key, audience_id, audience_name, action, row_data, source, created_at, ldu) VALUES (?,?,?,?,?,?,?,?)", args));
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
            List<Map<String, Object>> rows = jdbc.queryForList(
                    "SELECT id, audience_id, audience_name, row_data, source FROM mas_pending WHERE audience_key=? AND action=? AND COALESCE(ldu, '')=?"
                            + " ORDER BY id FETCH FIRST " + batchSize + " ROWS ONLY", key, action, ldu);
            if (rows.isEmpty()) return 0;
            List<String[]> data = new ArrayList<>(rows.size());
            List<Object[]> ids = new ArrayList<>(rows.size());
            for (Map<String, Object> r : rows) {
                try {
                    data.add(JSON.readValue((String) r.get("row_data"), ROW));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                ids.add(new Object[]{((Number) r.get("id")).longValue()});
            }
            int[] del = jdbc.batchUpdate("DELETE FROM mas_pending WHERE id=?", ids);
            for (int d : del) {
                if (d == 0) { s.setRollbackOnly(); return -1; } // another instance took them first
            }
            Map<String, Object> first = rows.get(0);
            AudienceRef ref = new AudienceRef((String) first.get("audience_id"), (String) first.get("audience_name"));
            batches.insert(Batch.newBatch(ref, Action.valueOf(action), data.size(), BatchCodec.encode(data), (String) first.get("source"))
                    .withLdu(ldu.isEmpty() ? null : ldu), false);
            return data.size();
        });
        return n == null ? 0 : n;
    }
}
