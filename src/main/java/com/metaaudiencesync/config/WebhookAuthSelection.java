package com.metaaudiencesync.config;

import com.metaaudiencesync.webhook.WebhookAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which webhook authentication is in force (docs/security.md), decided once at start-up and logged: the
 * configured credentials; with none, open in dry-run, and in live mode (a Meta token set) closed (401)
 * unless {@code sync.webhook.allow-unauthenticated=true}. The same {@link WebhookAuth} serves server.port
 * and the sync.webhook.port listener.
 */
public final class WebhookAuthSelection {
    private static final Logger log = LoggerFactory.getLogger(WebhookAuthSelection.class);

    private WebhookAuthSelection() {}

    public static WebhookAuth select(SyncProperties.Webhook w, boolean dryRun) {
        WebhookAuth configured = new WebhookAuth(w.getSecret(), w.getWriteKey(), w.getToken());
        if (configured.hasCredential()) {
            log.info("Webhook authentication: {}", configured.describe());
            return configured;
        }
        if (dryRun) {
            log.warn("Webhook authentication: none (dry-run: webhooks are open for trying things out; with a Meta token they answer 401 "
                    + "until sync.webhook.secret, sync.webhook.write-key or sync.webhook.token is set)");
            return configured;
        }
        if (w.isAllowUnauthenticated()) {
            log.warn("Webhook authentication: none (sync.webhook.allow-unauthenticated=true): anyone who can reach the webhook ports "
                    + "can change live Meta audiences");
            return configured;
        }
        WebhookAuth closed = WebhookAuth.refusingAll();
        log.warn("Webhook authentication: {} — live mode (a Meta token is set) without a webhook credential: set sync.webhook.secret, "
                + "sync.webhook.write-key or sync.webhook.token (or sync.webhook.allow-unauthenticated=true)", closed.describe());
        return closed;
    }
}
