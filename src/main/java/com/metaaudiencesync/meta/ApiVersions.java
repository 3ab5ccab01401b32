package com.metaaudiencesync.meta;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Graph API version life: Meta's published Marketing API expiry dates (meta-api.md §1 and §9, researched
 * 2026-12-07) in one table, the status of the configured {@code meta.api-version} against it, and what Meta
 * said at run time ({@code X-Ad-Api-Version-Warning}, error #2635). A version whose expiry Meta has not
 * published is reported as such, never given an invented date.
 */
public final class ApiVersions {
    private static final Logger log = LoggerFactory.getLogger(ApiVersions.class);

    /** the default meta.api-version: released 2026-07-29, expiry not yet published */
    public static final String DEFAULT = "v26.0";
    /** warn this many days before the configured version expires */
    public static final int WARN_DAYS = 90;

    /** a published expiry: an exact day, or (approximate) only a month range, of which {@code date} is the last day */
    record Expiry(LocalDate date, boolean approximate, String published) {}

    /** Meta's published expiry dates; versions missing from the table have no published date */
    static final Map<String, Expiry> EXPIRY = Map.of(
            "v21.0", new Expiry(LocalDate.of(2025, 9, 9), false, "2025-09-09"),
            "v22.0", new Expiry(LocalDate.of(2026, 2, 19), false, "2026-02-19"),
            "v23.0", new Expiry(LocalDate.of(2026, 6, 9), false, "2026-06-09"),
            "v24.0", new Expiry(LocalDate.of(2026, 11, 30), true, "around October–November 2026 (no exact day published)"),
            "v25.0", new Expiry(LocalDate.of(2027, 2, 23), false, "2027-02-23"));

    private static final Pattern VERSION = Pattern.compile("v(\\d+)\\.(\\d+)");
    /** oldest version in the table: anything older is long retired */
    private static final int OLDEST_MAJOR = 21;
    private static final long RELOG_MILLIS = 3_600_000;

    /** the configured version against the table: level and the sentence for the log and health */
    public enum Level { OK, UNPUBLISHED, EXPIRING, EXPIRED }

    public record Status(String version, Level level, String expires, Long daysLeft, String message) {}

    /** what Meta last said about the version at run time */
    public record Notice(String message, Instant at, boolean refused) {}

    private final String configured;
    private final Clock clock;
    private volatile Notice lastNotice;
    private volatile String lastLogged;
    private volatile long lastLoggedAt;

    public ApiVersions(String configured, Clock clock) {
        this.configured = configured;
        this.clock = clock;
    }

    public String configured() { return configured; }

    public Status status() { return status(configured, LocalDate.now(clock)); }

    static Status status(String version, LocalDate today) {
        Expiry e = EXPIRY.get(version);
        if (e == null) {
            Matcher m = version == null ? null : VERSION.matcher(version);
            if (m != null && m.matches() && Integer.parseInt(m.group(1)) < OLDEST_MAJOR) {
                return new Status(version, Level.EXPIRED, "before 2025-09-09", null, "meta.api-version " + version
                        + " is older than v21.0, which Meta retired on 2025-09-09: raise meta.api-version to " + DEFAULT + " or newer");
            }
            return new Status(version, Level.UNPUBLISHED, "not published", null,
                    "Meta has not published an expiry date for " + version + " (this build knows dates up to v25.0)");
        }
        long days = ChronoUnit.DAYS.between(today, e.date());
        String when = e.approximate() ? e.published() : "on " + e.published();
        if (days < 0) {
            return new Status(version, Level.EXPIRED, e.published(), days, "meta.api-version " + version + " was retired by Meta " + when
                    + ": calls may fail with #2635 or be moved up to a newer version; raise meta.api-version to " + DEFAULT + " or newer");
        }
        if (days <= WARN_DAYS) {
            return new Status(version, Level.EXPIRING, e.published(), days, "meta.api-version " + version + " expires " + when
                    + (e.approximate() ? "" : " (in " + days + " days)") + ": raise meta.api-version to " + DEFAULT + " or newer before then");
        }
        return new Status(version, Level.OK, e.published(), days, "meta.api-version " + version + " is supported until " + e.published());
    }

    /** Logs the configured version's status once at start-up: a warning when it expires within 90 days or already has. */
    public void logStartup() {
        Status s = status();
        if (s.level() == Level.EXPIRING || s.level() == Level.EXPIRED) log.warn("Graph API version: {}", s.message());
        else log.info("Graph API version: {}", s.message());
    }

    /** Every Graph answer passes here: a version warning header or error #2635 is remembered and logged. */
    public void observe(GraphResponse r) {
        String notice = GraphErrorClassifier.versionNotice(r);
        if (notice == null) return;
        boolean refused = notice.startsWith(GraphErrorClassifier.VERSION_REFUSED);
        String message = notice + ": meta.api-version " + configured + " must be raised (to " + DEFAULT + " or newer)";
        lastNotice = new Notice(message, clock.instant(), refused);
        long now = clock.millis();
        if (!message.equals(lastLogged) || now - lastLoggedAt > RELOG_MILLIS) {
            lastLogged = message;
            lastLoggedAt = now;
            log.warn("Graph API version: {}", message);
        }
    }

    /** the last run-time notice from Meta, or null */
    public Notice lastNotice() { return lastNotice; }
}
