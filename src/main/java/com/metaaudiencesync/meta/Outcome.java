package com.metaaudiencesync.meta;

/**
 * What a Graph answer (or a failure to get one) means for the batch that caused it.
 *
 * @param kind        what to do
 * @param code        Graph error code, "http_502", "io" ... (for metrics and dead letters)
 * @param subcode     Graph error_subcode or null
 * @param message     a message fit for a log line: Graph's message, never the request
 * @param waitMillis  for THROTTLE: how long Meta asked us to wait (0 when it did not say)
 * @param userAction  for AUTH/PERMISSION: what the operator must do, in plain words
 */
public record Outcome(Kind kind, String code, Integer subcode, String message, long waitMillis, String userAction) {
    public enum Kind {
        /** 2xx */
        SUCCESS,
        /** rate limited: wait (as long as Meta says) and retry */
        THROTTLE,
        /** 5xx, timeouts, dropped connections, is_transient: retry with backoff */
        TRANSIENT,
        /** the batch itself is bad or cannot be applied: dead letter */
        PERMANENT,
        /** token invalid/expired: pause the account, keep everything queued */
        AUTH,
        /** permissions or terms: pause the account, keep everything queued */
        PERMISSION
    }

    public boolean pausesAccount() { return kind == Kind.AUTH || kind == Kind.PERMISSION; }
    public boolean retryable() { return kind == Kind.THROTTLE || kind == Kind.TRANSIENT; }
}
