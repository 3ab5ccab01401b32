package com.metaaudiencesync.webhook;

import com.metaaudiencesync.config.WebhookListenerBeans;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Live mode with sync.webhook.allow-unauthenticated=true: webhooks without a credential are taken (202) and reach Meta. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-live-open-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/live-open/inbox",
        "sync.outbox=target/webhook-test/live-open/outbox",
        "meta.access-token=" + WebhookLiveModeOpenHttpTest.TOKEN,
        "meta.ad-account-id=act_1001",
        "sync.batch-timeout=200ms",
        "sync.batch-flush-period-millis=100",
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
        "sync.webhook.allow-unauthenticated=true",
})
class WebhookLiveModeOpenHttpTest {
    static final String TOKEN = "fake-token-live-open";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) { r.add("meta.graph-url", FAKE::baseUrl); }

    @AfterAll static void stop() { FAKE.close(); }

    @LocalServerPort int port;
    @Autowired WebhookListenerBeans.WebhookListener listener;

    @Test
    void allowUnauthenticatedKeepsWebhooksOpenOnBothPorts() throws Exception {
        String server = "{\"audience\":\"live_open\",\"action\":\"add\",\"email\":\"server@example.com\"}";
        String viaListener = "{\"audience\":\"live_open\",\"action\":\"add\",\"email\":\"listener@example.com\"}";
        assertThat(new Http(port).post("/webhooks/members", server).statusCode()).isEqualTo(202);
        assertThat(new Http(listener.port()).post("/webhooks/members", viaListener).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.audienceIdByName("live_open") != null
                && FAKE.membership(FAKE.audienceIdByName("live_open")).size() == 2);
    }
}
