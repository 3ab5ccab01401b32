package com.metaaudiencesync.ops;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.store.Batch;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/** Keeps per-audience delivery counters in mas_audience for GET /api/audiences. */
public class AudienceRegistry implements DeliveryListener {
    private final JdbcTemplate jdbc;

    public AudienceRegistry(JdbcTemplate jdbc) { this.jdbc = jdbc; }

    @Override
    public void delivered(Batch b, long numReceived, long numInvalid) {
        if (b.action() == Action.REMOVE_ALL) return;
        long now = System.currentTimeMillis();
        String name = b.audience().name() != null ? b.audience().name() : "#" + b.audience().id();
        int n = jdbc.update("UPDATE mas_audience SET rows_sent=rows_sent+?, last_sync_at=? WHERE name=?", b.rowCount(), now, name);
        if (n == 0 && b.audience().id() != null) {
            try {
                jdbc.update("INSERT INTO mas_audience(name, audience_id, rows_sent, last_sync_at) VALUES (?,?,?,?)", name, b.audience().id(), b.rowCount(), now);
            } catch (DuplicateKeyException e) {
                jdbc.update("UPDATE mas_audience SET rows_sent=rows_sent+?, last_sync_at=? WHERE name=?", b.rowCount(), now, name);
            }
        }
    }
}
