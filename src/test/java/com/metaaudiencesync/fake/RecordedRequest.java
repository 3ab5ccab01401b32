package com.metaaudiencesync.fake;

import java.time.Instant;

/**
 * One request the fake received.
 *
 * @param method      HTTP method as sent (POST, GET, DELETE...)
 * @param path        decoded path including the version prefix, e.g. {@code /v25.0/123/users}
 * @param query       raw query string or "" ; values of access_token and appsecret_proof are replaced by "REDACTED"
 * @param contentType Content-Type header or ""
 * @param bodyBytes   size of the request body in bytes (after gzip decoding if Content-Encoding: gzip)
 * @param receivedAt  when the request arrived
 * @param status      HTTP status answered; 0 when the connection was dropped
 * @param errorCode   Graph error code answered, 0 when none
 * @param outcome     short text: "OK", "ERROR 2650/1870147", "FAULT Fault[...]", "SLOW 500ms then OK"
 * @param serverMicros time the fake spent from arrival to the end of its answer (includes injected delays)
 */
public record RecordedRequest(String method, String path, String query, String contentType, long bodyBytes,
                              Instant receivedAt, int status, int errorCode, String outcome, long serverMicros) {

    /** True when the answer was HTTP 200. */
    public boolean ok() {
        return status == 200;
    }
}
