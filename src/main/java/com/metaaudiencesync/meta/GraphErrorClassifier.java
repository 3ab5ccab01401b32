package com.metaaudiencesync.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Iterator;
import java.util.Set;

/**
 * The one place that decides what a Graph answer means (meta-api.md §4). Graph errors come back mostly as
 * HTTP 400 with a JSON {@code error.code}: classify by code and subcode, not by HTTP status.
 */
public final class GraphErrorClassifier {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> THROTTLE = Set.of(4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006,
            80008, 80009, 80010, 80011, 80012, 80013, 80014);
    private static final Set<Integer> TRANSIENT = Set.of(1, 2, 341);
    private static final Set<Integer> AUTH = Set.of(102, 190);
    /** documented permanent codes (meta-api.md §4 "Permanent"); 2650 is permanent unless its subcode says otherwise */
    private static final Set<Integer> PERMANENT = Set.of(100, 105, 194, 2635, 2650, 2654, 2655, 2656, 368);

    /** 100 with these subcodes: Meta flagged the audience (operation_status 471) and blocks edits and uploads (meta-api.md §9) */
    static final Set<Integer> FLAGGED_SUBCODES = Set.of(1713228, 1713230, 1713231);
    /** Outcome code (and dead-letter code) of a batch refused because its audience is flagged */
    public static final String AUDIENCE_FLAGGED = "audience_flagged";
    /** operation_status code of a flagged audience */
    public static final int FLAGGED_OPERATION_STATUS = 471;
    public static final String FLAGGED_REASON = "Meta blocked uploads to this audience because it may suggest people's health or financial status"
            + " (flagged audience, operation_status 471).";
    public static final String FLAGGED_ACTION = "Edit the audience or appeal in Ads Manager; once Meta lifts the flag, replay its dead letters"
            + " (POST /api/dead-letters/replay).";

    private GraphErrorClassifier() {}

    /** True when the answer says the batch's audience is flagged (stop sending to it, not to the account). */
    public static boolean audienceFlagged(Outcome o) { return AUDIENCE_FLAGGED.equals(o.code()); }

    public static Outcome classify(GraphResponse r) {
        int status = r.status();
        if (status == 0) {
            String what = r.body() == null ? "no answer" : r.body();
            return new Outcome(Outcome.Kind.TRANSIENT, what.startsWith("timeout") ? "timeout" : "io", null, what, 0, null);
        }
        JsonNode error = null;
        boolean json = false;
        String body = r.body();
        String trimmed = body == null ? "" : body.strip();
        if (!trimmed.isEmpty() && trimmed.charAt(0) == '{') {
            try {
                JsonNode root = JSON.readTree(trimmed);
                json = root != null && root.isObject();
                error = json ? root.get("error") : null;
            } catch (IOException ignored) {
                // not JSON: handled below as an HTML/garbled answer
            }
        }
        if (status >= 200 && status < 300 && error == null) {
            if (json) return new Outcome(Outcome.Kind.SUCCESS, null, null, null, 0, null);
            // a 2xx that is not a Graph JSON object (a proxy's HTML page, a cut-off body) proves nothing reached
            // Meta: counting it as delivered would lose the rows, so it is retried like any other transient answer
            String what = trimmed.startsWith("<") ? "HTML page" : trimmed.isEmpty() ? "empty body" : "non-JSON body";
            return new Outcome(Outcome.Kind.TRANSIENT, "http_" + status + "_not_json", null, "HTTP " + status + " with " + what, 0, null);
        }
        long wait = usageWaitMillis(r);
        if (error == null) {
            String what = body != null && body.trim().startsWith("<") ? "HTML error page" : "non-JSON answer";
            if (status == 429) return new Outcome(Outcome.Kind.THROTTLE, "http_429", null, "HTTP 429 " + what, Math.max(wait, retryAfter(r)), null);
            if (status == 414 || status == 413) {
                return new Outcome(Outcome.Kind.PERMANENT, "http_" + status, null, "HTTP " + status + " request too large (" + what + ")", 0, null);
            }
            if (status == 401) return new Outcome(Outcome.Kind.AUTH, "http_401", null, "HTTP 401", 0, RENEW_TOKEN);
            if (status == 403) return new Outcome(Outcome.Kind.PERMISSION, "http_403", null, "HTTP 403", 0, ADMIN_RIGHTS);
            if (status >= 400 && status < 500 && status != 408) {
                return new Outcome(Outcome.Kind.PERMANENT, "http_" + status, null, "HTTP " + status + " " + what, 0, null);
            }
            return new Outcome(Outcome.Kind.TRANSIENT, "http_" + status, null, "HTTP " + status + " " + what, 0, null);
        }
        int code = error.path("code").asInt(-1);
        Integer sub = error.hasNonNull("error_subcode") ? error.get("error_subcode").asInt() : null;
        boolean transientFlag = error.path("is_transient").asBoolean(false);
        String msg = "(#" + code + (sub != null ? "/" + sub : "") + ") " + safeMessage(error);
        // the dead letter's reason says what to do: Meta no longer serves this call at the configured version
        if (code == 2635) msg += " — raise meta.api-version (to " + ApiVersions.DEFAULT + " or newer), then replay the dead letters";
        String c = String.valueOf(code);
        if (THROTTLE.contains(code) || (code == 2650 && sub != null && sub == 1870145)) {
            return new Outcome(Outcome.Kind.THROTTLE, c, sub, msg, Math.max(wait, retryAfter(r)), null);
        }
        if (AUTH.contains(code)) {
            return new Outcome(Outcome.Kind.AUTH, c, sub, msg, 0, RENEW_TOKEN);
        }
        if (code == 2663 || code == 2664 || code == 2655 || (code == 200 && sub != null && sub == 1870090)) {
            return new Outcome(Outcome.Kind.PERMISSION, c, sub, msg, 0, ACCEPT_TERMS);
        }
        if (code == 100 && sub != null && FLAGGED_SUBCODES.contains(sub)) {
            // one audience refused, not the account: dead-letter its batches, every other audience keeps flowing
            return new Outcome(Outcome.Kind.PERMANENT, AUDIENCE_FLAGGED, sub, FLAGGED_REASON + " " + FLAGGED_ACTION + " Meta said: " + msg, 0, FLAGGED_ACTION);
        }
        if (code == 10 || (code >= 200 && code <= 299) || code == 294) {
            return new Outcome(Outcome.Kind.PERMISSION, c, sub, msg, 0, ADMIN_RIGHTS);
        }
        // by code first (meta-api.md §4): a documented permanent code stays permanent whatever the HTTP status;
        // an unknown code on a 5xx is Meta's side failing: transient
        if (TRANSIENT.contains(code) || transientFlag || (code == 2650 && sub != null && sub == 1870148)
                || (status >= 500 && !PERMANENT.contains(code))) {
            return new Outcome(Outcome.Kind.TRANSIENT, c, sub, msg, 0, null);
        }
        return new Outcome(Outcome.Kind.PERMANENT, c, sub, msg, 0, null);
    }

    /** start of {@link #versionNotice} when Meta refused the call for its version (#2635) */
    public static final String VERSION_REFUSED = "Meta refused a call for its API version (#2635)";
    public static final String VERSION_HEADER = "X-Ad-Api-Version-Warning";

    /**
     * What Meta said about the API version in this answer, in plain words, or null: error #2635 (deprecated
     * version) or the {@code X-Ad-Api-Version-Warning} header of a call it moved up to a newer version.
     */
    public static String versionNotice(GraphResponse r) {
        String body = r.body();
        if (body != null && body.contains("2635")) {
            try {
                JsonNode error = JSON.readTree(body).path("error");
                if (error.path("code").asInt(-1) == 2635) return VERSION_REFUSED;
            } catch (IOException ignored) {
                // not JSON: no version error
            }
        }
        String header = r.header(VERSION_HEADER);
        if (header == null || header.isBlank()) return null;
        String h = header.strip();
        return "Meta warned about the API version (" + VERSION_HEADER + ": " + (h.length() > 200 ? h.substring(0, 200) : h) + ")";
    }

    /** A failure to get an answer at all: timeouts, refused or dropped connections. Always transient. */
    public static Outcome classify(IOException e) {
        boolean timeout = e instanceof HttpTimeoutException || e instanceof SocketTimeoutException;
        String what = timeout ? "timeout" : "connection failure: " + e.getClass().getSimpleName();
        return new Outcome(Outcome.Kind.TRANSIENT, timeout ? "timeout" : "io", null, what, 0, null);
    }

    public static final String RENEW_TOKEN = "The Meta access token is invalid or expired: create a new system-user token with ads_management "
            + "and set meta.access-token (META_ACCESS_TOKEN); sending resumes by itself once a check succeeds.";
    public static final String ACCEPT_TERMS = "The Custom Audience terms are not accepted for this ad account: a person (not a system user) "
            + "must accept them at https://business.facebook.com/ads/manage/customaudiences/tos/?act=<AD_ACCOUNT_ID>; sending resumes by itself afterwards.";
    public static final String ADMIN_RIGHTS = "The token's user lacks permission on the ad account: in Business Settings give the system user "
            + "admin (manage campaigns) rights on the ad account and the ads_management permission; sending resumes by itself afterwards.";

    private static String safeMessage(JsonNode error) {
        String m = error.path("message").asText("");
        // Graph messages do not echo tokens, but be defensive: cut anything that looks like a token parameter.
        m = m.replaceAll("access_token=[^&\\s]+", "access_token=****");
        return m.length() > 300 ? m.substring(0, 300) : m;
    }

    /** X-Business-Use-Case-Usage / X-Ad-Account-Usage estimated_time_to_regain_access (minutes) → millis. */
    static long usageWaitMillis(GraphResponse r) {
        long best = 0;
        for (String h : new String[]{"X-Business-Use-Case-Usage", "x-business-use-case-usage", "X-Ad-Account-Usage"}) {
            String v = r.header(h);
            if (v == null) continue;
            try {
                JsonNode root = JSON.readTree(v);
                best = Math.max(best, scan(root));
            } catch (IOException ignored) {
                // unparseable header: ignore it
            }
        }
        return best;
    }

    private static long scan(JsonNode n) {
        long best = 0;
        if (n.isObject()) {
            JsonNode t = n.get("estimated_time_to_regain_access");
            if (t != null && t.isNumber()) best = Math.max(best, t.asLong() * 60_000L);
            Iterator<JsonNode> it = n.elements();
            while (it.hasNext()) best = Math.max(best, scan(it.next()));
        } else if (n.isArray()) {
            for (JsonNode e : n) best = Math.max(best, scan(e));
        }
        return best;
    }

    static long retryAfter(GraphResponse r) {
        String v = r.header("Retry-After");
        if (v == null) return 0;
        try { return Long.parseLong(v.trim()) * 1000L; } catch (NumberFormatException e) { return 0; }
    }
}
