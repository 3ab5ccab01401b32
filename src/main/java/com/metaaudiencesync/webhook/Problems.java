package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * RFC 7807 problem bodies ({@code application/problem+json}: type, title, status, detail). A detail never
 * holds a raw identifier, a token or a secret: only fixed texts and numbers.
 */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TYPE_BASE = "https://github.com/meta-audience-sync/problems/";

    private Problems() {}

    public static WebhookResult of(int status, String type, String title, String detail) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", TYPE_BASE + type);
        n.put("title", title);
        n.put("status", status);
        if (detail != null) n.put("detail", detail);
        return WebhookResult.json(status, CONTENT_TYPE, n.toString());
    }

    public static WebhookResult unreadable(String detail) { return of(400, "unreadable-body", "The request body could not be read", detail); }
    public static WebhookResult unauthorized() { return of(401, "unauthorized", "Unauthorized", null); }
    public static WebhookResult notFound() { return of(404, "not-found", "Not Found", "no webhook at this path"); }
    public static WebhookResult methodNotAllowed() {
        return of(405, "method-not-allowed", "Method Not Allowed", "webhooks accept POST only").withHeader("Allow", "POST");
    }
    public static WebhookResult tooLarge(long max) {
        return of(413, "payload-too-large", "Payload Too Large", "the body is larger than " + max + " bytes (sync.webhook.max-bytes)");
    }
    public static WebhookResult unavailable(int retryAfterSeconds, String detail) {
        return of(503, "unavailable", "Service Unavailable", detail).withHeader("Retry-After", Integer.toString(retryAfterSeconds));
    }
}
