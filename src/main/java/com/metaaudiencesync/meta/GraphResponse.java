package com.metaaudiencesync.meta;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One HTTP answer from the Graph API (status, headers, body text); status 0 when no answer came. */
public record GraphResponse(int status, HttpHeaders headers, String body) {
    public String header(String name) { return headers == null ? null : headers.firstValue(name).orElse(null); }

    /** An answer as an HTTP client hands it over: header values are strings or lists of them. */
    public static GraphResponse of(int status, Map<String, ?> headers, String body) {
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (v instanceof List<?> l) fields.put(k, l.stream().map(String::valueOf).toList());
                else if (v != null) fields.put(k, List.of(String.valueOf(v)));
            });
        }
        return new GraphResponse(status, HttpHeaders.of(fields, (k, v) -> true), body == null ? "" : body);
    }

    /** No answer at all (timeout, refused or dropped connection): classified as transient. */
    public static GraphResponse noAnswer(IOException e) {
        return new GraphResponse(0, null, GraphErrorClassifier.classify(e).message());
    }
}
