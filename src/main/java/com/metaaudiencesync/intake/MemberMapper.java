package com.metaaudiencesync.intake;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.normalize.ColumnAliases;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SourceRecord → RawMember through the column alias table (CONTRACT §3), with the audience and action a file
 * name (or a poll job) gives as defaults. Not thread-safe (caches header lookups): one per source.
 */
public final class MemberMapper {
    private final Map<String, ColumnAliases.Column> columns = new HashMap<>();
    /** the columns of the last names array seen (by identity) */
    private String[] resolvedNames;
    private ColumnAliases.Column[] resolved;
    private final String defaultAudienceName;
    private final String defaultAudienceId;
    private final Action defaultAction;

    public MemberMapper(String defaultAudienceName, String defaultAudienceId, Action defaultAction) {
        this.defaultAudienceName = defaultAudienceName;
        this.defaultAudienceId = defaultAudienceId;
        this.defaultAction = defaultAction;
    }

    /** Looks the columns of {@code names} up now (a CSV's header, before its first record), not per record. */
    public ColumnAliases.Column[] prepare(String[] names) {
        ColumnAliases.Column[] cols = new ColumnAliases.Column[names.length];
        for (int i = 0; i < names.length; i++) cols[i] = columns.computeIfAbsent(names[i], ColumnAliases::resolve);
        resolved = cols;
        resolvedNames = names;
        return cols;
    }

    /** @return the member, with {@code action == null} when an action column holds something unknown */
    public RawMember map(SourceRecord r) {
        RawMember m = new RawMember();
        String[] names = r.names();
        RawCells raw = r.raw();
        Object[] values = raw == null ? r.values() : null;
        String actionText = null;
        // a file's records share one header array: its columns are looked up once (for a CSV before the first
        // record, see prepare)
        ColumnAliases.Column[] cols = names == resolvedNames ? resolved : prepare(names);
        for (int i = 0; i < names.length; i++) {
            ColumnAliases.Column c = cols[i];
            if (c.kind() == ColumnAliases.Kind.IGNORED) continue;
            Object v = raw != null ? raw.get(i) : values[i];
            if (v == null) continue;
            switch (c.kind()) {
                case IGNORED -> { }
                case IDENTIFIER -> {
                    if (v instanceof List<?> l) { for (Object o : l) if (o != null) m.add(c.key(), o.toString()); }
                    else m.add(c.key(), v.toString());
                }
                case PREHASHED -> {
                    if (v instanceof List<?> l) { for (Object o : l) if (o != null) m.addPrehashed(c.key(), o.toString()); }
                    else m.addPrehashed(c.key(), v.toString());
                }
                case DATE_OF_BIRTH -> m.dateOfBirth = first(v);
                case AUDIENCE_ID -> m.audienceId = blankToNull(first(v));
                case AUDIENCE_NAME -> m.audienceName = blankToNull(first(v));
                case ACTION -> actionText = blankToNull(first(v));
                case LDU -> m.ldu = first(v);
                case LDU_COUNTRY -> m.lduCountry = first(v);
                case LDU_STATE -> m.lduState = first(v);
            }
        }
        if (m.audienceId == null && m.audienceName == null) {
            m.audienceId = defaultAudienceId;
            m.audienceName = defaultAudienceName;
        }
        m.action = actionText == null ? defaultAction : Action.parse(actionText);
        if (m.action == Action.REPLACE && defaultAction != Action.REPLACE) m.action = null; // replace only by file name / job mode
        return m;
    }

    private static String first(Object v) {
        if (v instanceof List<?> l) return l.isEmpty() ? null : String.valueOf(l.get(0));
        return v.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
