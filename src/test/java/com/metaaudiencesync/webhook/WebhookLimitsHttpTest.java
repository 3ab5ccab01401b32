package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.send.AccountGate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 413 (declared and undeclared length), 503 + Retry-After when the backlog is at its bound, when sending is
 * paused and the backlog is over its bound, and when the database cannot store. Never a 4xx for those.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-limits-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/limits/inbox",
        "sync.outbox=target/webhook-test/limits/outbox",
        "sync.batch-timeout=1h",
        "sync.webhook.max-bytes=2KB",
        "sync.webhook.max-pending-rows=3",
        "sync.webhook.max-backlog-rows-when-paused=2",
})
class WebhookLimitsHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort int port;
    @Autowired JdbcTemplate jdbc;
    @Autowired WebhookHandler handler;
    @Autowired AccountGate gate;

    /** the port the webhook requests go to (server.port here; the Vert.x listener in the subclasses) */
    int webhookPort() { return port; }

    Http http() { return new Http(webhookPort()); }

    @BeforeEach @AfterEach
    void clean() {
        gate.open();
        jdbc.update("DELETE FROM mas_pending");
        handler.refreshCapacity();
    }

    static String member(String aud, String email) {
        return "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"" + email + "\"}";
    }

    static String big() {
        return "[" + "{\"audience\":\"big\",\"action\":\"add\",\"email\":\"x@example.com\"},".repeat(60) + "{}]";
    }

    @Test
    void declaredTooLargeIs413() throws Exception {
        HttpResponse<String> r = http().post("/webhooks/members", big());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(JSON.readTree(r.body()).get("status").asInt()).isEqualTo(413);
    }

    @Test
    void undeclaredLengthIsCappedWhileReading() throws Exception {
        byte[] body = big().getBytes();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + webhookPort() + "/webhooks/members"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))) // chunked, no Content-Length
                .build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void smallChunkedBodyIsAccepted() throws Exception {
        byte[] body = member("chunk", "c@example.com").getBytes();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + webhookPort() + "/webhooks/members"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        assertThat(HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
    }

    @Test
    void fullBacklogIs503WithRetryAfter() throws Exception {
        String aud = "bl_" + UUID.randomUUID().toString().substring(0, 6);
        String three = "[" + member(aud, "a@example.com") + "," + member(aud, "b@example.com") + "," + member(aud, "c@example.com") + "]";
        assertThat(http().post("/webhooks/members", three).statusCode()).isEqualTo(202);
        HttpResponse<String> r = http().post("/webhooks/members", member(aud, "d@example.com"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(Integer.parseInt(r.headers().firstValue("Retry-After").get())).isPositive();
        assertThat(r.body()).doesNotContain("d@example.com");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending", Long.class)).isEqualTo(3);
    }

    @Test
    void pausedAccountWithBacklogOverItsBoundIs503() throws Exception {
        assertThat(http().post("/webhooks/members", member("p1", "a@example.com")).statusCode()).isEqualTo(202);
        gate.block(new Outcome(Outcome.Kind.AUTH, "190", null, "token expired", 0, "renew the token"));
        handler.refreshCapacity();
        HttpResponse<String> r = http().post("/webhooks/members", "[" + member("p1", "b@example.com") + "," + member("p1", "c@example.com") + "]");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        gate.open();
        handler.refreshCapacity();
        assertThat(http().post("/webhooks/members", member("p1", "b@example.com")).statusCode()).isEqualTo(202);
    }

    @Test
    void storeUnavailableIs503WithRetryAfterNotA4xx() throws Exception {
        jdbc.execute("ALTER TABLE mas_pending RENAME TO mas_pending_away");
        try {
            handler.refreshCapacity();
            HttpResponse<String> r = http().post("/webhooks/segment",
                    "{\"type\":\"identify\",\"messageId\":\"m-503\",\"traits\":{\"email\":\"z@example.com\",\"k\":true},\"context\":{\"personas\":{\"computation_key\":\"k\"}}}");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            JsonNode p = JSON.readTree(r.body());
            assertThat(p.get("status").asInt()).isEqualTo(503);
            assertThat(r.body()).doesNotContain("z@example.com");
        } finally {
            jdbc.execute("ALTER TABLE mas_pending_away RENAME TO mas_pending");
        }
        // the message id was not taken: the retry is applied
        handler.refreshCapacity();
        HttpResponse<String> retry = http().post("/webhooks/segment",
                "{\"type\":\"identify\",\"messageId\":\"m-503\",\"traits\":{\"email\":\"z@example.com\",\"k\":true},\"context\":{\"personas\":{\"computation_key\":\"k\"}}}");
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(retry.body()).get("accepted").asInt()).isEqualTo(1);
    }
}
