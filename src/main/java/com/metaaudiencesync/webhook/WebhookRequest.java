package com.metaaudiencesync.webhook;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request on its way through the webhook stages (the body of one exchange): what was received, then
 * the raw bytes, then its members as a list (never one exchange per member), then the rows stored. Holds no
 * reply headers of its own: the reply is built from it at the end.
 */
public final class WebhookRequest {
    final String method;
    final String path;
    /** the request headers the stages need (Content-Length, Authorization, X-Signature, ...), case-insensitive */
    final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    final WebhookHandler.BodySource bodySource;

    WebhookHandler.Channel channel;
    byte[] body;
    List<WebhookItem> items = List.of();
    int rows;

    public WebhookRequest(String method, String path, Map<String, String> headers, WebhookHandler.BodySource bodySource) {
        this.method = method == null ? "POST" : method;
        this.path = path;
        if (headers != null) headers.forEach((k, v) -> { if (k != null && v != null) this.headers.put(k, v); });
        this.bodySource = bodySource;
    }

    /** the request's members (events) as parsed, in body order */
    public List<WebhookItem> items() { return items; }

    public int memberCount() { return items.size(); }

    /** rows appended to mas_pending by the store step */
    public int rows() { return rows; }
}
