package com.metaaudiencesync.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Webhook authentication (CONTRACT §4), each part optional, every configured part must pass:
 * <ul>
 *   <li>sync.webhook.secret: {@code X-Signature} is the hex HMAC-SHA1 of the raw body (Segment's Webhooks
 *       destinations; {@code sha1=<hex>} also accepted) or {@code sha256=<hex HMAC-SHA256>};</li>
 *   <li>sync.webhook.write-key / sync.webhook.token: the {@code Authorization} header is {@code Basic} with the
 *       write key as user (any password), or {@code Bearer <token>}. When both are configured either one is
 *       enough (one request carries one Authorization header).</li>
 * </ul>
 * All comparisons are constant-time ({@link MessageDigest#isEqual}). Nothing here logs.
 */
public final class WebhookAuth {
    private final byte[] secret;
    private final byte[] writeKey;
    private final byte[] token;
    /** no credential may pass (live mode without any configured): every request is refused */
    private final boolean refuseAll;

    public WebhookAuth(String secret, String writeKey, String token) {
        this(secret, writeKey, token, false);
    }

    private WebhookAuth(String secret, String writeKey, String token, boolean refuseAll) {
        this.secret = bytes(secret);
        this.writeKey = bytes(writeKey);
        this.token = bytes(token);
        this.refuseAll = refuseAll;
    }

    /** Refuses every request (401): live mode with no credential configured and unauthenticated webhooks not allowed. */
    public static WebhookAuth refusingAll() { return new WebhookAuth(null, null, null, true); }

    /** at least one of secret, write key or token is configured */
    public boolean hasCredential() { return secret != null || writeKey != null || token != null; }

    /** what a request must carry, in words for the start-up log (never the credentials themselves) */
    public String describe() {
        if (refuseAll) return "none configured: every webhook request is refused (401)";
        if (!hasCredential()) return "none: webhooks accept unauthenticated requests";
        StringBuilder b = new StringBuilder();
        if (secret != null) b.append("X-Signature HMAC of the body (sync.webhook.secret)");
        if (writeKey != null || token != null) {
            if (b.length() > 0) b.append(" and ");
            b.append("Authorization ");
            if (writeKey != null) b.append("Basic with the write key (sync.webhook.write-key)");
            if (writeKey != null && token != null) b.append(" or ");
            if (token != null) b.append("Bearer token (sync.webhook.token)");
        }
        return b.toString();
    }

    private static byte[] bytes(String s) { return s == null || s.isEmpty() ? null : s.getBytes(StandardCharsets.UTF_8); }

    public boolean needsBody() { return secret != null; }

    /** Checks the header-only parts (Authorization); headers are looked up case-insensitively by the caller. */
    public boolean headersOk(Map<String, String> headers) {
        if (refuseAll) return false;
        if (writeKey == null && token == null) return true;
        String auth = headers.get("Authorization");
        if (auth == null) return false;
        auth = auth.trim();
        int sp = auth.indexOf(' ');
        if (sp < 0) return false;
        String scheme = auth.substring(0, sp).toLowerCase(Locale.ROOT);
        String cred = auth.substring(sp + 1).trim();
        if (scheme.equals("basic") && writeKey != null) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(cred);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = -1;
            for (int i = 0; i < decoded.length; i++) if (decoded[i] == ':') { colon = i; break; }
            byte[] user = colon < 0 ? decoded : Arrays.copyOf(decoded, colon);
            return MessageDigest.isEqual(user, writeKey);
        }
        if (scheme.equals("bearer") && token != null) {
            return MessageDigest.isEqual(cred.getBytes(StandardCharsets.UTF_8), token);
        }
        return false;
    }

    /** Checks X-Signature against the raw body (true when no secret is configured). */
    public boolean signatureOk(Map<String, String> headers, byte[] body) {
        if (secret == null) return true;
        String sig = headers.get("X-Signature");
        if (sig == null) return false;
        sig = sig.trim().toLowerCase(Locale.ROOT);
        String alg = "HmacSHA1";
        if (sig.startsWith("sha256=")) { alg = "HmacSHA256"; sig = sig.substring(7); }
        else if (sig.startsWith("sha1=")) { sig = sig.substring(5); }
        byte[] expected = HexFormat.of().formatHex(hmac(alg, secret, body)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(sig.getBytes(StandardCharsets.US_ASCII), expected);
    }

    static byte[] hmac(String alg, byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance(alg);
            mac.init(new SecretKeySpec(key, alg));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
