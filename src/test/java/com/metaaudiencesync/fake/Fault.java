package com.metaaudiencesync.fake;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A fault that {@link FakeGraphApi} injects instead of (or, for {@link #slow}, before) the normal answer.
 * Instances are immutable; {@link #withHeader} returns a copy.
 *
 * <p>Every kind except {@link Kind#SLOW} answers without touching audience state: a faulted request never
 * changes membership. A {@code SLOW} fault sleeps, then the request is processed normally (so the server
 * does apply it even if the client gave up waiting, as a real server would).
 */
public final class Fault {

    /** What the fake does for the faulted request. */
    public enum Kind {
        /** A Graph error JSON body with the given HTTP status (normally 400). */
        GRAPH_ERROR,
        /** An HTML page ({@code text/html}) with the given HTTP status, like Meta's edge proxies on 502/414. */
        HTML,
        /** Socket closed without any response bytes; the client sees an IOException. */
        DROP_CONNECTION,
        /** Sleep for {@link #delay()}, then answer normally. */
        SLOW
    }

    private final Kind kind;
    private final int httpStatus;
    private final int code;
    private final Integer subcode;
    private final boolean isTransient;
    private final String message;
    private final Map<String, String> headers;
    private final Duration delay;

    private Fault(Kind kind, int httpStatus, int code, Integer subcode, boolean isTransient, String message,
                  Map<String, String> headers, Duration delay) {
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.code = code;
        this.subcode = subcode;
        this.isTransient = isTransient;
        this.message = message;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        this.delay = delay;
    }

    /** Graph error JSON: {@code {"error":{"message","type":"OAuthException","code","error_subcode"?,"is_transient","fbtrace_id"}}}. */
    public static Fault graphError(int httpStatus, int code, Integer subcode, boolean isTransient, String message) {
        return new Fault(Kind.GRAPH_ERROR, httpStatus, code, subcode, isTransient,
                Objects.requireNonNull(message, "message"), Map.of(), Duration.ZERO);
    }

    /** Graph error with HTTP 400 (how Meta sends nearly all errors). */
    public static Fault graphError(int code, Integer subcode, boolean isTransient, String message) {
        return graphError(400, code, subcode, isTransient, message);
    }

    /**
     * Custom Audience Business-Use-Case throttle: HTTP 400, code 80003 subcode 2446079, is_transient true,
     * with an {@code X-Business-Use-Case-Usage} header for {@code businessOrAccountId} (call_count 100) that
     * carries {@code estimated_time_to_regain_access} = {@code minutesToRegain}.
     */
    public static Fault bucThrottle(String businessOrAccountId, int minutesToRegain) {
        return graphError(400, 80003, 2446079, true,
                "(#80003) There have been too many calls to this ad-account. Wait a bit and try again.")
                .withHeader("X-Business-Use-Case-Usage", bucUsageHeader(businessOrAccountId, 100, minutesToRegain));
    }

    /** HTTP 429 with a Graph error body (code 17, subcode 2446079, "User request limit reached", transient). */
    public static Fault http429() {
        return graphError(429, 17, 2446079, true, "(#17) User request limit reached");
    }

    /** HTTP 500 with a Graph error body (code 1, "An unknown error occurred", transient). */
    public static Fault http500() {
        return graphError(500, 1, null, true, "An unknown error occurred");
    }

    /** HTTP 502 with an HTML body ({@code text/html}), as Meta's proxies send. */
    public static Fault html502() {
        return html(502, "<!DOCTYPE html><html lang=\"en\"><head><title>Error</title></head><body>"
                + "<h1>Sorry, something went wrong.</h1><p>We're working on it and we'll get it fixed as soon as we can.</p>"
                + "</body></html>");
    }

    /** Any HTML page with any status. */
    public static Fault html(int httpStatus, String htmlBody) {
        return new Fault(Kind.HTML, httpStatus, 0, null, false, Objects.requireNonNull(htmlBody), Map.of(), Duration.ZERO);
    }

    /** Close the connection without sending a status line; the client sees an IOException. */
    public static Fault dropConnection() {
        return new Fault(Kind.DROP_CONNECTION, 0, 0, null, false, "", Map.of(), Duration.ZERO);
    }

    /** Sleep {@code delay} before processing the request normally. */
    public static Fault slow(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay");
        }
        return new Fault(Kind.SLOW, 0, 0, null, false, "", Map.of(), delay);
    }

    /** A copy of this fault that also sends the given response header (ignored for DROP_CONNECTION and SLOW). */
    public Fault withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Fault(kind, httpStatus, code, subcode, isTransient, message, h, delay);
    }

    /** Builds an {@code X-Business-Use-Case-Usage} header value for one custom_audience entry. */
    public static String bucUsageHeader(String businessOrAccountId, int callCountPercent, int minutesToRegain) {
        return "{\"" + businessOrAccountId + "\":[{\"type\":\"custom_audience\",\"call_count\":" + callCountPercent
                + ",\"total_cputime\":10,\"total_time\":10,\"estimated_time_to_regain_access\":" + minutesToRegain + "}]}";
    }

    public Kind kind() { return kind; }
    public int httpStatus() { return httpStatus; }
    public int code() { return code; }
    public Integer subcode() { return subcode; }
    public boolean isTransient() { return isTransient; }
    /** Graph error message, or the HTML body for {@link Kind#HTML}. */
    public String message() { return message; }
    public Map<String, String> headers() { return headers; }
    public Duration delay() { return delay; }

    @Override
    public String toString() {
        switch (kind) {
            case GRAPH_ERROR: return "Fault[GRAPH_ERROR http=" + httpStatus + " code=" + code
                    + (subcode == null ? "" : "/" + subcode) + "]";
            case HTML: return "Fault[HTML http=" + httpStatus + "]";
            case SLOW: return "Fault[SLOW " + delay.toMillis() + "ms]";
            default: return "Fault[" + kind + "]";
        }
    }
}
