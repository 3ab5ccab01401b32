package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.AudienceValidation;
import com.metaaudiencesync.store.AudienceRef;
import org.quartz.CronExpression;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The sync.polls job definitions (CONTRACT §7): validation at start-up and small helpers. */
public final class PollJobs {
    public enum Mode { UPSERT, DELETE, MIRROR, REPLACE }

    public static final Set<String> SOURCE_TYPES = Set.of("jdbc", "http", "file");
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");

    private PollJobs() {}

    public static Mode mode(SyncProperties.PollJob j) {
        return Mode.valueOf(j.getMode().trim().toUpperCase(Locale.ROOT));
    }

    public static AudienceRef audience(SyncProperties.PollJob j) {
        return notBlank(j.getAudienceId()) ? AudienceRef.ofId(j.getAudienceId()) : AudienceRef.ofName(j.getAudience());
    }

    /** the action of the batches a mode sends for the rows it reads */
    public static Action action(Mode m) {
        return switch (m) {
            case UPSERT, MIRROR -> Action.ADD;
            case DELETE -> Action.REMOVE;
            case REPLACE -> Action.REPLACE;
        };
    }

    /** One clear message per problem; empty when every job is usable. */
    public static List<String> problems(SyncProperties sync) {
        List<String> p = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<SyncProperties.PollJob> polls = sync.getPolls() == null ? List.of() : sync.getPolls();
        for (int i = 0; i < polls.size(); i++) {
            SyncProperties.PollJob j = polls.get(i);
            String at = "sync.polls[" + i + "]" + (notBlank(j.getName()) ? " ('" + j.getName() + "')" : "");
            if (!notBlank(j.getName())) {
                p.add(at + ": name is missing (a unique job name such as 'vip-mirror')");
            } else if (!NAME.matcher(j.getName()).matches()) {
                p.add(at + ": name '" + j.getName() + "' may only hold letters, digits, '.', '_' and '-' (at most 100 characters)");
            } else if (!names.add(j.getName())) {
                p.add(at + ": duplicate job name '" + j.getName() + "' (job names must be unique)");
            }
            if (!notBlank(j.getCron())) {
                p.add(at + ": cron is missing (a Quartz cron expression such as '0 0 * * * ?')");
            } else if (!CronExpression.isValidExpression(j.getCron().trim())) {
                p.add(at + ": cron '" + j.getCron() + "' is not a valid Quartz cron expression (six or seven fields: sec min hour day-of-month month day-of-week [year], e.g. '0 0/15 * * * ?')");
            }
            boolean byName = notBlank(j.getAudience()), byId = notBlank(j.getAudienceId());
            if (!byName && !byId) p.add(at + ": set audience (a name, created when missing) or audience-id");
            if (byName && byId) p.add(at + ": set only one of audience and audience-id");
            if (byId && !j.getAudienceId().trim().matches("[0-9]{1,25}")) p.add(at + ": audience-id '" + j.getAudienceId() + "' must be the audience's digits");
            if (byName && !byId && AudienceValidation.nameProblem(j.getAudience()) != null) {
                p.add(at + ": audience must be 1 to " + AudienceValidation.MAX_NAME_LENGTH + " characters without control characters");
            }
            String mode = j.getMode() == null ? "" : j.getMode().trim().toLowerCase(Locale.ROOT);
            if (!Set.of("upsert", "delete", "mirror", "replace").contains(mode)) {
                p.add(at + ": mode '" + j.getMode() + "' is unknown (use upsert, delete, mirror or replace)");
            }
            SyncProperties.Source s = j.getSource();
            String type = s.getType() == null ? null : s.getType().trim().toLowerCase(Locale.ROOT);
            if (type == null || type.isEmpty()) {
                p.add(at + ": source.type is missing (jdbc, http or file)");
            } else if (!SOURCE_TYPES.contains(type)) {
                p.add(at + ": unknown source type '" + s.getType() + "' (use jdbc, http or file)");
            } else {
                switch (type) {
                    case "jdbc" -> {
                        if (!notBlank(s.getUrl()) || !s.getUrl().trim().startsWith("jdbc:")) p.add(at + ": source.url must be a JDBC URL (jdbc:postgresql://..., jdbc:h2:...)");
                        if (!notBlank(s.getQuery())) p.add(at + ": source.query is missing (SQL returning identifier columns such as email, phone)");
                    }
                    case "http" -> {
                        if (!notBlank(s.getUrl()) || !(s.getUrl().startsWith("http://") || s.getUrl().startsWith("https://"))) {
                            p.add(at + ": source.url must be an http(s) URL");
                        }
                    }
                    case "file" -> {
                        if (!notBlank(s.getPath())) p.add(at + ": source.path is missing (a file or a glob such as /exports/vip-*.csv)");
                    }
                    default -> { }
                }
            }
        }
        return p;
    }

    static boolean notBlank(String s) { return s != null && !s.isBlank(); }
}
