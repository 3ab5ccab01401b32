package com.metaaudiencesync.config;

import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.store.PendingStore;
import com.metaaudiencesync.webhook.MemberIntake;
import com.metaaudiencesync.webhook.WebhookAuth;
import com.metaaudiencesync.webhook.WebhookBodyLimitFilter;
import com.metaaudiencesync.webhook.WebhookCamelAdapter;
import com.metaaudiencesync.webhook.WebhookHandler;
import com.metaaudiencesync.webhook.WebhookParser;
import com.metaaudiencesync.webhook.WebhookStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Webhook intake (CONTRACT §4): plain-Java handler, called from routes/intake-webhook.camel.yaml. */
@Configuration
public class WebhookBeans {
    private static final Logger log = LoggerFactory.getLogger(WebhookBeans.class);

    @Bean
    public WebhookStore webhookStore(JdbcTemplate jdbc, TransactionTemplate tx, PendingStore pending) {
        return new WebhookStore(jdbc, tx, pending);
    }

    @Bean
    public WebhookHandler webhookHandler(SyncProperties sync, RowBuilder rowBuilder, WebhookStore store, AccountGate gate, SyncMetrics metrics,
                                         boolean dryRunMode,
                                         @Value("${sync.webhook.max-backlog-rows-when-paused:1000000}") long maxBacklogWhenPaused,
                                         @Value("${sync.webhook.retry-after-seconds:5}") int retryAfter) {
        SyncProperties.Webhook w = sync.getWebhook();
        WebhookAuth auth = WebhookAuthSelection.select(w, dryRunMode);
        WebhookHandler.Limits limits = new WebhookHandler.Limits()
                .maxBytes(w.getMaxBytes().toBytes())
                .maxPendingRows(w.getMaxPendingRows())
                .maxBacklogRowsWhenPaused(maxBacklogWhenPaused)
                .retryAfterSeconds(retryAfter);
        return new WebhookHandler(new WebhookParser(rowBuilder), store, auth, limits, gate::isOpen, metrics);
    }

    /** the step of route direct:members (routes/intake-members.camel.yaml) */
    @Bean
    public MemberIntake memberIntake(RowBuilder rowBuilder, WebhookStore store, SyncMetrics metrics) {
        return new MemberIntake(new WebhookParser(rowBuilder), store, metrics);
    }

    @Bean
    public WebhookCamelAdapter webhookHttp(WebhookHandler handler) { return new WebhookCamelAdapter(handler); }

    /** size limit before any body is read (413) */
    @Bean
    public FilterRegistrationBean<WebhookBodyLimitFilter> webhookBodyLimit(SyncProperties sync) {
        var reg = new FilterRegistrationBean<>(
                new WebhookBodyLimitFilter(sync.getWebhook().getMaxBytes().toBytes()));
        reg.addUrlPatterns("/webhooks/*", "/v1/*");
        reg.setName("webhookBodyLimit");
        return reg;
    }

    /** called by the purge route */
    @Bean
    public WebhookPurge webhookPurge(WebhookStore store, SyncProperties sync) { return new WebhookPurge(store, sync.getWebhook().getIdempotencyWindow().toMillis()); }

    public static class WebhookPurge {
        private final WebhookStore store;
        private final long windowMillis;
        WebhookPurge(WebhookStore store, long windowMillis) { this.store = store; this.windowMillis = windowMillis; }
        public int purge() {
            int n = store.purge(windowMillis);
            if (n > 0) log.info("Forgot {} webhook message ids older than sync.webhook.idempotency-window", n);
            return n;
        }
    }
}
