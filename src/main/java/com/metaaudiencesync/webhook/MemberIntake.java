package com.metaaudiencesync.webhook;

import com.metaaudiencesync.ops.SyncMetrics;

import java.util.List;

/**
 * The step of route direct:members: a body in the native member schema (as POST /webhooks/members: one
 * object or an array) from any Camel component, parsed and committed to mas_pending before it returns.
 * An unreadable body or a failed commit throws, so the calling route's error handling sees it.
 */
public class MemberIntake {
    private final WebhookParser parser;
    private final WebhookStore store;
    private final SyncMetrics metrics;

    public MemberIntake(WebhookParser parser, WebhookStore store, SyncMetrics metrics) {
        this.parser = parser;
        this.store = store;
        this.metrics = metrics;
    }

    /** What happened to a body's members; {@code rows} were stored (one member may give several rows). */
    public record Receipt(int accepted, int rejected, int ignored, int duplicates, int rows) {}

    public Receipt take(byte[] body) throws WebhookParser.UnreadableBodyException {
        List<WebhookItem> items = parser.members(body);
        int rows = store.commit(items, "route:members");
        int accepted = 0, rejected = 0, ignored = 0, duplicates = 0;
        for (WebhookItem it : items) {
            switch (it.status()) {
                case ACCEPTED -> accepted++;
                case REJECTED -> { rejected++; metrics.rowsRejected("route", it.reason(), 1); }
                case IGNORED -> ignored++;
                case DUPLICATE -> duplicates++;
            }
        }
        metrics.rowsRead("route", items.size());
        if (accepted > 0) metrics.rowsAccepted("route", accepted);
        return new Receipt(accepted, rejected, ignored, duplicates, rows);
    }
}
