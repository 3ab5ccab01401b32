package com.metaaudiencesync.webhook;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.store.AudienceRef;

import java.util.List;

/**
 * One event (Segment) or one member object (native) of a request, after parsing and normalization: what it
 * would do (audience, action, final hashed rows), or why it is ignored / rejected. Holds no raw PII (rows
 * are already final wire values, the member key is a hash).
 */
public final class WebhookItem {
    public enum Status { ACCEPTED, IGNORED, REJECTED, DUPLICATE }

    final int index;
    /** channel-prefixed message id, or null */
    String messageId;
    /** event time in epoch millis, or null when the event carries none */
    Long timestamp;
    AudienceRef audience;
    Action action;
    List<String[]> rows = List.of();
    /** Limited Data Use "country,state" of the rows, or null */
    String ldu;
    /** sha256 that names the user within the audience (for ordering by timestamp), or null */
    String memberKey;
    /** a remove for an audience name never seen: true → rejected (native), false → ignored (Segment) */
    boolean strictAudience;

    /** parsed, not yet normalized: the member to hash (cleared by the normalize step) */
    RawMember raw;
    /** Segment userId (names the member in memberKey); cleared by the normalize step */
    String userId;
    /** the reason when the normalizer fails on this item: invalid_member / invalid_event */
    String invalidReason;

    /** outcome of parsing: ACCEPTED means "candidate", decided in the store */
    Status parsed = Status.ACCEPTED;
    String parsedReason;

    /** final outcome */
    Status status;
    String reason;

    WebhookItem(int index) { this.index = index; }

    static WebhookItem ignored(int index, String reason) {
        WebhookItem i = new WebhookItem(index);
        i.parsed = Status.IGNORED;
        i.parsedReason = reason;
        return i;
    }

    static WebhookItem rejected(int index, String reason) {
        WebhookItem i = new WebhookItem(index);
        i.parsed = Status.REJECTED;
        i.parsedReason = reason;
        return i;
    }

    boolean candidate() { return parsed == Status.ACCEPTED; }

    /** rejected after parsing (the normalizer refused it): nothing of it is stored */
    void reject(String r) {
        parsed = Status.REJECTED;
        parsedReason = r;
        audience = null;
        action = null;
        messageId = null;
        timestamp = null;
        memberKey = null;
        rows = List.of();
    }

    void reset() {
        status = parsed;
        reason = parsedReason;
    }

    void decide(Status s, String r) {
        status = s;
        reason = r;
    }

    public int index() { return index; }
    public Status status() { return status; }
    public String reason() { return reason; }
    public int rowCount() { return rows.size(); }
}
