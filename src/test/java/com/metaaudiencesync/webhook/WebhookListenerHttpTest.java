package com.metaaudiencesync.webhook;

import com.metaaudiencesync.config.WebhookListenerBeans;
import org.springframework.beans.factory.annotation.Autowired;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every test of {@link WebhookHttpTest}, against the dedicated Vert.x webhook listener
 * (sync.webhook.port, any free port here) instead of server.port: same answers, same durability.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-listener-open-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/listener-open/inbox",
        "sync.outbox=target/webhook-test/listener-open/outbox",
        "sync.batch-timeout=300ms",
        "sync.batch-flush-period-millis=100",
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
})
class WebhookListenerHttpTest extends WebhookHttpTest {
    @Autowired WebhookListenerBeans.WebhookListener listener;

    @Override int webhookPort() { return listener.port(); }

    @Test
    void serverPortKeepsServingWebhooksBesideTheListener() throws Exception {
        // the listener's Vert.x engine must not replace the Spring MVC engine of the server.port routes
        assertThat(listener.port()).isPositive().isNotEqualTo(port);
        String aud = "both_" + uid().substring(0, 8);
        String body = "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"both@example.com\"}";
        HttpResponse<String> viaServer = new Http(port).post("/webhooks/members", body);
        HttpResponse<String> viaListener = http().post("/webhooks/members", body.replace("both@", "both2@"));
        assertThat(viaServer.statusCode()).isEqualTo(202);
        assertThat(viaListener.statusCode()).isEqualTo(202);
        assertThat(viaListener.body()).isEqualTo(viaServer.body());
        assertThat(pendingFor(aud)).isEqualTo(2);
        // actuator stays on server.port only
        assertThat(http().send("GET", "/actuator/health", null).statusCode()).isEqualTo(404);
    }
}
