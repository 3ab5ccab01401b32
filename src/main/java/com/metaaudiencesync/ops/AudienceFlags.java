package com.metaaudiencesync.ops;

import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.store.AudienceRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audiences Meta flagged (operation_status 471: it may suggest health or financial status) and refuses uploads to.
 * Kept in mas_audience (flagged, flag_reason) and in memory, by name and by id, so the sender stops sending to
 * such an audience (its batches are dead-lettered with the reason, one request at most) while every other audience
 * keeps flowing. Set by a 100/1713228-1713231 answer or by the size refresh reading operation_status 471; cleared
 * when the refresh reads another status or an operator replays dead letters.
 */
public class AudienceFlags {
    private static final Logger log = LoggerFactory.getLogger(AudienceFlags.class);

    private final JdbcTemplate jdbc;
    private final Set<String> flagged = ConcurrentHashMap.newKeySet();

    public AudienceFlags(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        reload();
    }

    /** Reads the flags from the database (other instances may have set or cleared some). */
    public void reload() {
        Set<String> now = ConcurrentHashMap.newKeySet();
        for (Map<String, Object> r : jdbc.queryForList("SELECT name, audience_id FROM mas_audience WHERE flagged=TRUE")) {
            keys(now, (String) r.get("name"), (String) r.get("audience_id"));
        }
        flagged.retainAll(now);
        flagged.addAll(now);
    }

    /** True when Meta flagged the audience (by the batch's reference, or by the id it resolved to). */
    public boolean isFlagged(AudienceRef a, String audienceId) {
        if (flagged.isEmpty()) return false;
        return flagged.contains(a.key()) || (audienceId != null && flagged.contains("id:" + audienceId));
    }

    /** Flagged audiences (rows of mas_audience; in memory an audience has a key by name and one by id). */
    public double count() {
        try {
            Number n = jdbc.queryForObject("SELECT COUNT(*) FROM mas_audience WHERE flagged=TRUE", Number.class);
            return n == null ? 0 : n.doubleValue();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Meta refused a batch because the audience is flagged. */
    public void flag(AudienceRef a, String audienceId, String reason) {
        long now = System.currentTimeMillis();
        String name = a.name() != null ? a.name() : "#" + (a.id() != null ? a.id() : audienceId);
        String id = a.id() != null ? a.id() : audienceId;
        int n = jdbc.update("UPDATE mas_audience SET flagged=TRUE, flagged_at=COALESCE(flagged_at, ?), flag_reason=? WHERE name=? OR (audience_id IS NOT NULL AND audience_id=?)",
                now, trim(reason), name, id);
        if (n == 0 && id != null) {
            try {
                jdbc.update("INSERT INTO mas_audience(name, audience_id, flagged, flagged_at, flag_reason) VALUES (?,?,TRUE,?,?)", name, id, now, trim(reason));
            } catch (DuplicateKeyException e) {
                // another instance inserted it: the update above will find it next time
            }
        }
        if (!isFlagged(a, audienceId)) log.error("Audience {} is FLAGGED by Meta: {} {} Other audiences keep flowing.", a.display(),
                GraphErrorClassifier.FLAGGED_REASON, GraphErrorClassifier.FLAGGED_ACTION);
        flagged.add(a.key());
        if (id != null) flagged.add("id:" + id);
    }

    /** The size refresh read an audience's operation_status: 471 flags it, anything else lifts a flag. */
    public void operationStatus(String name, String audienceId, int code, String description) {
        boolean is471 = code == GraphErrorClassifier.FLAGGED_OPERATION_STATUS;
        if (is471) {
            jdbc.update("UPDATE mas_audience SET operation_status_code=?, operation_status_description=?, flagged=TRUE, flagged_at=COALESCE(flagged_at, ?),"
                    + " flag_reason=COALESCE(flag_reason, ?) WHERE name=?", code, trim(description), System.currentTimeMillis(), GraphErrorClassifier.FLAGGED_REASON, name);
        } else {
            jdbc.update("UPDATE mas_audience SET operation_status_code=?, operation_status_description=?, flagged=FALSE, flagged_at=NULL, flag_reason=NULL"
                    + " WHERE name=?", code, trim(description), name);
        }
        Set<String> k = ConcurrentHashMap.newKeySet();
        keys(k, name, audienceId);
        if (is471) flagged.addAll(k);
        else flagged.removeAll(k);
    }

    /** An operator replays dead letters after an appeal: every flag is lifted (a still-flagged audience is flagged again by its first answer). */
    public void clearAll() {
        jdbc.update("UPDATE mas_audience SET flagged=FALSE, flagged_at=NULL, flag_reason=NULL WHERE flagged=TRUE");
        flagged.clear();
    }

    private static void keys(Set<String> into, String name, String audienceId) {
        if (name != null && !name.startsWith("#")) into.add("name:" + name);
        if (audienceId != null) into.add("id:" + audienceId);
    }

    private static String trim(String s) { return s == null || s.length() <= 1000 ? s : s.substring(0, 1000); }
}
