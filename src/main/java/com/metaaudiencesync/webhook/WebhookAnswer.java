package com.metaaudiencesync.webhook;

/**
 * An early answer (401, 404, 405, 413, 400, 503): a stage ends the request by throwing it; the webhook routes'
 * onException (routeConfiguration webhook-answers) writes {@link #result()}. No stack trace: it is an answer,
 * not an error, and unauthenticated floods must stay cheap.
 */
public final class WebhookAnswer extends RuntimeException {
    private final transient WebhookResult result;

    public WebhookAnswer(WebhookResult result) {
        super("webhook answered " + result.status(), null, false, false);
        this.result = result;
    }

    public WebhookResult result() { return result; }
}
