package com.metaaudiencesync.console;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.store.Batch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records each batch Meta acknowledged (counts only) in mas_delivery: the console's rows-per-minute chart and the
 * audiences' added/removed totals and history come from it, across instances and restarts.
 */
public class DeliveryLog implements DeliveryListener {
    private static final Logger log = LoggerFactory.getLogger(DeliveryLog.class);
    static final long KEEP_MILLIS = TimeUnit.DAYS.toMillis(35);
    private static final long PRUNE_EVERY_MILLIS = TimeUnit.HOURS.toMillis(1);

    private final JdbcTemplate jdbc;
    private final AtomicLong lastPrune = new AtomicLong();

    public DeliveryLog(JdbcTemplate jdbc) { this.jdbc = jdbc; }

    /** the audience as the console names it: its name, or #id for an audience known only by id */
    static String audienceName(Batch b) { return b.audience().name() != null ? b.audience().name() : "#" + b.audience().id(); }

    @Override
    public void delivered(Batch b, long numReceived, long numInvalid) {
        if (b.action() == Action.REMOVE_ALL) return;
        long now = System.currentTimeMillis();
        try {
            jdbc.update("INSERT INTO mas_delivery(audience, audience_id, action, row_count, num_received, num_invalid, source, delivered_at) VALUES (?,?,?,?,?,?,?,?)",
                    audienceName(b), b.audience().id(), b.action().wire(), b.rowCount(), numReceived, numInvalid, trim(b.source(), 600), now);
            long last = lastPrune.get();
            if (now - last > PRUNE_EVERY_MILLIS && lastPrune.compareAndSet(last, now)) {
                jdbc.update("DELETE FROM mas_delivery WHERE delivered_at < ?", now - KEEP_MILLIS);
            }
        } catch (DataAccessException e) {
            // the console's history is a convenience: it never holds back an acknowledged batch
            log.warn("console delivery history not recorded: {}", e.getMostSpecificCause().getMessage());
        }
    }

    /** rows delivered per minute for the last {@code minutes} minutes, oldest first (index 0 = the oldest minute) */
    public long[] perMinute(int minutes, long now) {
        long endMinute = now / 60_000L;
        long startMinute = endMinute - minutes + 1;
        long[] out = new long[minutes];
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT delivered_at, row_count FROM mas_delivery WHERE delivered_at >= ?", startMinute * 60_000L);
        for (Map<String, Object> r : rows) {
            long m = ((Number) r.get("delivered_at")).longValue() / 60_000L - startMinute;
            if (m >= 0 && m < minutes) out[(int) m] += ((Number) r.get("row_count")).longValue();
        }
        return out;
    }

    /** per audience and action: rows delivered (all kept history) */
    public List<Map<String, Object>> totals() {
        return jdbc.queryForList("SELECT audience, action, SUM(row_count) AS rows_total, COUNT(*) AS batches, MAX(delivered_at) AS last_at"
                + " FROM mas_delivery GROUP BY audience, action");
    }

    /** the latest deliveries of one audience, newest first */
    public List<Map<String, Object>> history(String audience, int limit) {
        return jdbc.queryForList("SELECT action, row_count, num_received, num_invalid, source, delivered_at FROM mas_delivery WHERE audience=?"
                + " ORDER BY delivered_at DESC, id DESC FETCH FIRST " + Math.max(1, Math.min(200, limit)) + " ROWS ONLY", audience);
    }

    private static String trim(String s, int max) { return s == null || s.length() <= max ? s : s.substring(0, max); }
}
