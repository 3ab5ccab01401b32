package com.metaaudiencesync.webhook;

import com.metaaudiencesync.config.WebhookListenerBeans;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Every test of {@link WebhookLimitsHttpTest}, against the dedicated Vert.x webhook listener
 * (sync.webhook.port, any free port here) instead of server.port: same answers, same durability.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-listener-limits-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/listener-limits/inbox",
        "sync.outbox=target/webhook-test/listener-limits/outbox",
        "sync.batch-timeout=1h",
        "sync.webhook.max-bytes=2KB",
        "sync.webhook.max-pending-rows=3",
        "sync.webhook.max-backlog-rows-when-paused=2",
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
})
class WebhookListenerLimitsHttpTest extends WebhookLimitsHttpTest {
    @Autowired WebhookListenerBeans.WebhookListener listener;

    @Override int webhookPort() { return listener.port(); }
}
