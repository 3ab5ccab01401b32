package com.metaaudiencesync.guard;

import com.metaaudiencesync.store.AudienceRef;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;

/**
 * What the service knows of an audience's size, for the guard of a removal that has no poll state of its own (a
 * delete job, a .replace file): the largest of the rows poll jobs hold in their state for it, the rows of the last
 * replace Meta acknowledged for it, and Meta's approximate_count_lower_bound from the size refresh. A lower bound:
 * members added by files and webhooks are not kept row by row, so the guard errs towards letting a removal through.
 */
public class KnownMembers {
    private final JdbcTemplate jdbc;

    public KnownMembers(JdbcTemplate jdbc) { this.jdbc = jdbc; }

    public long of(AudienceRef a) {
        long state = count("SELECT COUNT(DISTINCT row_key) FROM mas_poll_state WHERE audience_key=?", a.key());
        long replaced = count("SELECT COALESCE(MAX(members),0) FROM mas_guard_baseline WHERE audience_key=?", a.key());
        long meta = a.id() != null ? count("SELECT COALESCE(MAX(approx_lower),0) FROM mas_audience WHERE audience_id=?", a.id())
                : count("SELECT COALESCE(MAX(approx_lower),0) FROM mas_audience WHERE name=?", a.name());
        return Math.max(state, Math.max(replaced, meta));
    }

    private long count(String sql, Object arg) {
        List<Number> l = jdbc.queryForList(sql, Number.class, arg);
        return l.isEmpty() || l.get(0) == null ? 0 : l.get(0).longValue();
    }
}
