package com.metaaudiencesync.webhook;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What to answer: HTTP status, response headers (Content-Type included) and the body. */
public record WebhookResult(int status, Map<String, String> headers, byte[] body) {
    public static WebhookResult json(int status, String contentType, String json) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", contentType);
        return new WebhookResult(status, h, json.getBytes(StandardCharsets.UTF_8));
    }

    public WebhookResult withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new WebhookResult(status, h, body);
    }

    public String bodyText() { return new String(body, StandardCharsets.UTF_8); }
}
