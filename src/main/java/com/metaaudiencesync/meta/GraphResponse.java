package com.metaaudiencesync.meta;

import java.net.http.HttpHeaders;

/** One HTTP answer from the Graph API (status, headers, body text). */
public record GraphResponse(int status, HttpHeaders headers, String body) {
    public String header(String name) { return headers == null ? null : headers.firstValue(name).orElse(null); }
}
