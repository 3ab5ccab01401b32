package com.metaaudiencesync.webhook;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** Every authentication variant over real HTTP, with secret, write key and token all configured. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-auth-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/auth/inbox",
        "sync.outbox=target/webhook-test/auth/outbox",
        "sync.webhook.secret=" + WebhookAuthHttpTest.SECRET,
        "sync.webhook.write-key=" + WebhookAuthHttpTest.WRITE_KEY,
        "sync.webhook.token=" + WebhookAuthHttpTest.TOKEN,
})
class WebhookAuthHttpTest {
    static final String SECRET = "whsec-test-1";
    static final String WRITE_KEY = "wk_abc123";
    static final String TOKEN = "tok-xyz-789";
    static final String BODY = "{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"email\":\"a@example.com\",\"vip\":true},"
            + "\"context\":{\"personas\":{\"computation_key\":\"vip\"}}}";

    @LocalServerPort int port;

    /** the port the webhook requests go to (server.port here; the Vert.x listener in the subclasses) */
    int webhookPort() { return port; }

    Http http() { return new Http(webhookPort()); }

    static String hex(String alg, String key, byte[] body) throws Exception {
        Mac m = Mac.getInstance(alg);
        m.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), alg));
        return HexFormat.of().formatHex(m.doFinal(body));
    }

    static String basic(String user, String pass) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sha1SignaturePlusBasicWriteKey() throws Exception {
        String sig = hex("HmacSHA1", SECRET, BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(http().post("/webhooks/segment", BODY, "X-Signature", sig, "Authorization", basic(WRITE_KEY, "")).statusCode()).isEqualTo(202);
    }

    @Test
    void sha256SignaturePlusBearer() throws Exception {
        String sig = "sha256=" + hex("HmacSHA256", SECRET, BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(http().post("/v1/identify", BODY, "X-Signature", sig, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(202);
    }

    @Test
    void failuresAre401ProblemWithoutDetail() throws Exception {
        String sig = hex("HmacSHA1", SECRET, BODY.getBytes(StandardCharsets.UTF_8));
        String[][] cases = {
                {},                                                            // nothing
                {"Authorization", basic(WRITE_KEY, "")},                       // no signature
                {"X-Signature", sig},                                          // no Authorization
                {"X-Signature", sig, "Authorization", basic("wrong", "")},     // wrong write key
                {"X-Signature", sig, "Authorization", "Bearer nope"},          // wrong token
                {"X-Signature", "00" + sig.substring(2), "Authorization", "Bearer " + TOKEN}, // wrong signature
                {"X-Signature", "sha256=" + sig, "Authorization", "Bearer " + TOKEN},         // sha1 hex labelled sha256
                {"X-Signature", sig, "Authorization", "Basic !!!notbase64"},
        };
        for (String[] h : cases) {
            HttpResponse<String> r = http().post("/webhooks/segment", BODY, h);
            assertThat(r.statusCode()).as(String.join(" ", h)).isEqualTo(401);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(r.body()).doesNotContain("detail").doesNotContain(SECRET).doesNotContain(TOKEN).doesNotContain(WRITE_KEY);
        }
    }

    @Test
    void signatureOfNonAsciiBodyUsesTheExactBytes() throws Exception {
        String body = "{\"type\":\"identify\",\"userId\":\"u-é\",\"traits\":{\"email\":\"zoé@example.com\",\"first_name\":\"Zoë\",\"vip\":true},"
                + "\"context\":{\"personas\":{\"computation_key\":\"vip\"}}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String sig = hex("HmacSHA1", SECRET, bytes);
        HttpResponse<String> r = http().post("/webhooks/segment", bytes, "X-Signature", sig, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(202);
    }

    @Test
    void signatureIsOverTheRawBytes() throws Exception {
        String sig = hex("HmacSHA1", SECRET, BODY.getBytes(StandardCharsets.UTF_8));
        String reformatted = BODY.replace(",", ", ");
        assertThat(http().post("/webhooks/segment", reformatted, "X-Signature", sig, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(401);
    }
}
