package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.WebhookListenerBeans;
import com.metaaudiencesync.fuzz.Mutator;
import com.metaaudiencesync.fuzz.Samples;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile bodies over real HTTP, on server.port and on the Vert.x listener: each gets a 4xx problem body (never
 * a 5xx), and the service keeps answering. A hostile audience name rejects its own member or event only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-hostile-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/hostile/inbox",
        "sync.outbox=target/webhook-test/hostile/outbox",
        "sync.webhook.port=0",
        "sync.webhook.bind-host=127.0.0.1",
})
class WebhookHostileBodyHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort int port;
    @Autowired WebhookListenerBeans.WebhookListener listener;

    private int[] ports() { return new int[]{port, listener.port()}; }

    /** bodies that are unreadable as a whole: 400 with a problem body */
    static Map<String, byte[]> unreadableBodies() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("100 000-deep array", "[".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        m.put("100 000-deep object", "{\"a\":".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        m.put("bare huge number", "1e999999999".getBytes(StandardCharsets.US_ASCII));
        m.put("bare number", "42".getBytes(StandardCharsets.US_ASCII));
        m.put("2 000-digit number", ("[" + "9".repeat(2000) + "]").getBytes(StandardCharsets.US_ASCII));
        m.put("invalid UTF-8", concat("{\"audience\":\"".getBytes(StandardCharsets.US_ASCII), new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF},
                "\",\"action\":\"add\",\"email\":\"a@example.com\"}".getBytes(StandardCharsets.US_ASCII)));
        m.put("raw NUL bytes", "{\"audience\":\"a\u0000b\",\"action\":\"add\"}\u0000".getBytes(StandardCharsets.UTF_8));
        m.put("only NUL bytes", new byte[64]);
        m.put("not JSON", "hello, world".getBytes(StandardCharsets.US_ASCII));
        m.put("HTML", "<html><body>hi</body></html>".getBytes(StandardCharsets.US_ASCII));
        m.put("truncated array", "[{\"audience\":\"a\",\"action\":\"add\",\"email\":\"a@example.com\"},".getBytes(StandardCharsets.US_ASCII));
        m.put("truncated string", "{\"audience\":\"a".getBytes(StandardCharsets.US_ASCII));
        m.put("trailing garbage", "{\"audience\":\"a\",\"action\":\"add\"} }".getBytes(StandardCharsets.US_ASCII));
        m.put("empty array", "[]".getBytes(StandardCharsets.US_ASCII));
        m.put("string", "\"x\"".getBytes(StandardCharsets.US_ASCII));
        m.put("null", "null".getBytes(StandardCharsets.US_ASCII));
        return m;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Test
    void unreadableBodiesAre400ProblemJsonOnBothPorts() throws Exception {
        for (int p : ports()) {
            for (String path : new String[]{"/webhooks/members", "/webhooks/segment", "/v1/batch"}) {
                for (Map.Entry<String, byte[]> e : unreadableBodies().entrySet()) {
                    HttpResponse<String> r = new Http(p).post(path, e.getValue());
                    String what = e.getKey() + " to " + path + " on port " + p;
                    assertThat(r.statusCode()).as(what).isEqualTo(400);
                    assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
                    JsonNode problem = JSON.readTree(r.body());
                    assertThat(problem.get("status").asInt()).as(what).isEqualTo(400);
                    assertThat(problem.get("detail").asText()).as(what).isNotBlank();
                }
            }
            assertStillServing(p);
        }
    }

    @Test
    void hostileAudienceNamesRejectOnlyTheirMember() throws Exception {
        String longName = "x".repeat(5000);
        for (int p : ports()) {
            String ok = "ok_" + UUID.randomUUID().toString().substring(0, 8);
            String body = "[{\"audience\":\"" + longName + "\",\"action\":\"add\",\"email\":\"a@example.com\"},"
                    + "{\"audience\":\"nul\\u0000name\",\"action\":\"add\",\"email\":\"b@example.com\"},"
                    + "{\"audience\":\"line\\nbreak\",\"action\":\"add\",\"email\":\"c@example.com\"},"
                    + "{\"audience_id\":\"../act_1/users\",\"action\":\"add\",\"email\":\"d@example.com\"},"
                    + "{\"audience\":\"" + ok + "\",\"action\":\"add\",\"email\":1e999999999},"
                    + "{\"audience\":\"" + ok + "\",\"action\":\"add\",\"email\":\"e@example.com\"}]";
            HttpResponse<String> r = new Http(p).post("/webhooks/members", body);
            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode results = JSON.readTree(r.body()).get("results");
            assertThat(results.get(0).get("reason").asText()).isEqualTo("audience_name_too_long");
            assertThat(results.get(1).get("reason").asText()).isEqualTo("invalid_audience_name");
            assertThat(results.get(2).get("reason").asText()).isEqualTo("invalid_audience_name");
            assertThat(results.get(3).get("reason").asText()).isEqualTo("invalid_audience_id");
            assertThat(results.get(4).get("status").asText()).isEqualTo("rejected");
            assertThat(results.get(5).get("status").asText()).isEqualTo("accepted");
            assertThat(r.body()).doesNotContain(longName);

            String segment = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"" + longName + "\":true,\"email\":\"a@example.com\"},"
                    + "\"context\":{\"personas\":{\"computation_key\":\"" + longName + "\"}}},"
                    + "{\"type\":\"identify\",\"userId\":\"u-2\",\"traits\":{\"" + ok + "\":true,\"email\":\"b@example.com\"},"
                    + "\"context\":{\"personas\":{\"computation_key\":\"" + ok + "\"}}}]}";
            r = new Http(p).post("/v1/batch", segment);
            assertThat(r.statusCode()).isEqualTo(202);
            results = JSON.readTree(r.body()).get("results");
            assertThat(results.get(0).get("reason").asText()).isEqualTo("audience_name_too_long");
            assertThat(results.get(1).get("status").asText()).isEqualTo("accepted");
        }
    }

    @Test
    void mutatedRealBodiesNeverGetA5xxOnBothPorts() throws Exception {
        List<byte[]> samples = Samples.webhookBodies();
        String[] paths = {"/webhooks/members", "/webhooks/segment", "/v1/batch", "/v1/identify", "/v1/track"};
        for (int p : ports()) {
            Mutator m = new Mutator(p);
            for (int i = 0; i < 150; i++) {
                byte[] body = m.mutate(samples.get(i % samples.size()));
                HttpResponse<String> r = new Http(p).post(paths[i % paths.length], body);
                String what = Mutator.describe(p, i, body);
                assertThat(r.statusCode()).as(what).isIn(202, 400);
                if (r.statusCode() == 400) {
                    assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
                }
            }
            assertStillServing(p);
        }
    }

    private static void assertStillServing(int p) throws Exception {
        String body = "{\"audience\":\"alive_" + UUID.randomUUID().toString().substring(0, 8) + "\",\"action\":\"add\",\"email\":\"alive@example.com\"}";
        assertThat(new Http(p).post("/webhooks/members", body).statusCode()).isEqualTo(202);
    }
}
