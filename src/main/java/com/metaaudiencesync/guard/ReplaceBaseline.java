package com.metaaudiencesync.guard;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.store.Batch;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Keeps, per audience, the rows of the last replace session Meta acknowledged (mas_guard_baseline): the size a
 * later .replace file is compared with. Batch 1 of a session starts the count, later batches add to it.
 */
public class ReplaceBaseline implements DeliveryListener {
    private final JdbcTemplate jdbc;

    public ReplaceBaseline(JdbcTemplate jdbc) { this.jdbc = jdbc; }

    @Override
    public void delivered(Batch b, long numReceived, long numInvalid) {
        if (b.action() != Action.REPLACE) return;
        String key = b.audience().key();
        long now = System.currentTimeMillis();
        boolean first = b.groupSeq() == null || b.groupSeq() <= 1;
        int n = jdbc.update("UPDATE mas_guard_baseline SET members=" + (first ? "?" : "members+?") + ", updated_at=? WHERE audience_key=?",
                b.rowCount(), now, key);
        // one statement, no duplicate-key exception (it would abort the surrounding transaction on PostgreSQL)
        if (n == 0) {
            jdbc.update("INSERT INTO mas_guard_baseline(audience_key, members, updated_at) SELECT ?,?,? WHERE NOT EXISTS"
                    + " (SELECT 1 FROM mas_guard_baseline WHERE audience_key=?)", key, b.rowCount(), now, key);
        }
    }
}
