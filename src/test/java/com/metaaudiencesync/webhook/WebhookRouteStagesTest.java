package com.metaaudiencesync.webhook;

import com.metaaudiencesync.lifecycle.IntakeGate;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route webhook-members (template webhook-intake) with a mock woven after its store step: the stages run on
 * one exchange per HTTP request, the request's members travelling together as one list.
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-stages-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/stages/inbox",
        "sync.outbox=target/webhook-test/stages/outbox",
})
class WebhookRouteStagesTest {
    @LocalServerPort int port;
    @Autowired CamelContext context;
    @Autowired IntakeGate gate;

    @BeforeEach
    void adviseOnce() throws Exception {
        if (!context.isStarted()) {
            // after the store step (bean webhookHandler, method store): what reached the commit
            AdviceWith.adviceWith(context, "webhook-members",
                    a -> a.weaveByToString(".*webhookHandler.*method:store.*").after().to("mock:stored"));
            context.start();
            gate.open(); // the application was ready before Camel started (UseAdviceWith)
        }
        context.getEndpoint("mock:stored", MockEndpoint.class).reset();
    }

    @Test
    void aRequestOfThreeMembersIsOneExchangeCarryingTheThreeAfterTheStore() throws Exception {
        MockEndpoint stored = context.getEndpoint("mock:stored", MockEndpoint.class);
        stored.expectedMessageCount(1);
        String aud = "stages_" + UUID.randomUUID().toString().substring(0, 8);
        String arr = "[" + String.join(",",
                "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"a@example.com\"}",
                "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"b@example.com\"}",
                "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"c@example.com\"}") + "]";

        HttpResponse<String> r = new Http(port).post("/webhooks/members", arr);

        assertThat(r.statusCode()).isEqualTo(202);
        stored.assertIsSatisfied(TimeUnit.SECONDS.toMillis(10));
        Exchange e = stored.getReceivedExchanges().get(0);
        WebhookRequest request = e.getMessage().getBody(WebhookRequest.class);
        assertThat(request.memberCount()).as("the members of one request on one exchange").isEqualTo(3);
        assertThat(request.rows()).as("rows committed by the store step").isEqualTo(3);
    }

    @Test
    void anUnreadableBodyIsAnswered400BeforeTheStoreStep() throws Exception {
        MockEndpoint stored = context.getEndpoint("mock:stored", MockEndpoint.class);
        stored.expectedMessageCount(0);

        HttpResponse<String> r = new Http(port).post("/webhooks/members", "{not json");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith(Problems.CONTENT_TYPE));
        stored.assertIsSatisfied(200);
    }
}
