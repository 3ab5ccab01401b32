package com.metaaudiencesync.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** WebhookAuth directly: known HMAC vectors and each part alone. */
class WebhookAuthTest {
    // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?"
    static final String RFC2202_SHA1 = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
    // RFC 4231 test case 2 (same key and data), HMAC-SHA-256
    static final String RFC4231_SHA256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    static final byte[] DATA = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);

    @Test
    void knownVectors() {
        WebhookAuth a = new WebhookAuth("Jefe", null, null);
        assertThat(a.signatureOk(Map.of("X-Signature", RFC2202_SHA1), DATA)).isTrue();
        assertThat(a.signatureOk(Map.of("X-Signature", RFC2202_SHA1.toUpperCase()), DATA)).isTrue();
        assertThat(a.signatureOk(Map.of("X-Signature", "sha256=" + RFC4231_SHA256), DATA)).isTrue();
        assertThat(a.signatureOk(Map.of("X-Signature", RFC4231_SHA256), DATA)).isFalse();
        assertThat(a.signatureOk(Map.of(), DATA)).isFalse();
        assertThat(a.headersOk(Map.of())).isTrue();
    }

    @Test
    void nothingConfiguredLetsEverythingIn() {
        WebhookAuth a = new WebhookAuth(null, null, null);
        assertThat(a.headersOk(Map.of())).isTrue();
        assertThat(a.signatureOk(Map.of(), DATA)).isTrue();
    }

    @Test
    void writeKeyOnlyAndTokenOnly() {
        WebhookAuth wk = new WebhookAuth(null, "wk", null);
        String basic = "Basic " + Base64.getEncoder().encodeToString("wk:".getBytes());
        assertThat(wk.headersOk(Map.of("Authorization", basic))).isTrue();
        assertThat(wk.headersOk(Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString("wk".getBytes())))).isTrue();
        assertThat(wk.headersOk(Map.of("Authorization", "Bearer wk"))).isFalse();
        assertThat(wk.headersOk(Map.of())).isFalse();
        WebhookAuth tok = new WebhookAuth(null, null, "t");
        assertThat(tok.headersOk(Map.of("Authorization", "Bearer t"))).isTrue();
        assertThat(tok.headersOk(Map.of("Authorization", "bearer t"))).isTrue();
        assertThat(tok.headersOk(Map.of("Authorization", "Bearer t2"))).isFalse();
        assertThat(tok.headersOk(Map.of("Authorization", basic))).isFalse();
    }

    @Test
    void refusingAllRejectsEveryRequestAndDescribesWithoutSecrets() {
        WebhookAuth closed = WebhookAuth.refusingAll();
        assertThat(closed.headersOk(Map.of())).isFalse();
        assertThat(closed.headersOk(Map.of("Authorization", "Bearer anything"))).isFalse();
        assertThat(closed.hasCredential()).isFalse();
        assertThat(closed.describe()).contains("401");
        WebhookAuth all = new WebhookAuth("s3cret", "wk-1", "tok-1");
        assertThat(all.describe()).contains("sync.webhook.secret").contains("sync.webhook.write-key").contains("sync.webhook.token")
                .doesNotContain("s3cret").doesNotContain("wk-1").doesNotContain("tok-1");
        assertThat(new WebhookAuth(null, null, null).headersOk(Map.of())).isTrue();
    }
}
