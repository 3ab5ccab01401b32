package com.metaaudiencesync.webhook;

import com.metaaudiencesync.config.WebhookListenerBeans;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Every test of {@link WebhookAuthHttpTest}, against the dedicated Vert.x webhook listener
 * (sync.webhook.port, any free port here) instead of server.port: same answers, same durability.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-listener-auth-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/listener-auth/inbox",
        "sync.outbox=target/webhook-test/listener-auth/outbox",
        "sync.webhook.secret=" + WebhookAuthHttpTest.SECRET,
        "sync.webhook.write-key=" + WebhookAuthHttpTest.WRITE_KEY,
        "sync.webhook.token=" + WebhookAuthHttpTest.TOKEN,
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
})
class WebhookListenerAuthHttpTest extends WebhookAuthHttpTest {
    @Autowired WebhookListenerBeans.WebhookListener listener;

    @Override int webhookPort() { return listener.port(); }
}
