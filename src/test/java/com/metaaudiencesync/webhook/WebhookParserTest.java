package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.normalize.RowBuilder;
import org.apache.commons.codec.digest.DigestUtils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebhookParser directly (no HTTP, no database). */
class WebhookParserTest {
    final WebhookParser parser = new WebhookParser(new RowBuilder(null));

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void identifyWithListOfEmailsUserIdAndAdvertisingId() throws Exception {
        List<WebhookItem> items = parser.segment(b("""
            {"type":"identify","userId":"u-42","timestamp":"2024-05-01T10:00:00.123Z","messageId":"m1",
             "traits":{"emails":["a@example.com","b@example.com"],"k":true},
             "context":{"device":{"advertisingId":"6D92078A-8246-4BA4-AE5B-76104861E7DC"},"personas":{"computation_key":"k"}}}
            """), null);
        WebhookItem it = items.get(0);
        assertThat(it.candidate()).isTrue();
        assertThat(it.action).isEqualTo(Action.ADD);
        assertThat(it.audience.name()).isEqualTo("k");
        assertThat(it.rows).hasSize(2);
        assertThat(it.rows.get(0)[MetaKey.EXTERN_ID.ordinal()]).isEqualTo("u-42");
        assertThat(it.rows.get(0)[MetaKey.MADID.ordinal()]).isNotEmpty();
        assertThat(it.rows.get(1)[MetaKey.EMAIL.ordinal()]).isEqualTo(DigestUtils.sha256Hex("b@example.com"));
        assertThat(it.messageId).isEqualTo("s:m1");
        assertThat(it.timestamp).isEqualTo(Instant.parse("2024-05-01T10:00:00.123Z").toEpochMilli());
        assertThat(it.memberKey).isEqualTo(DigestUtils.sha256Hex("user:u-42"));
    }

    @Test
    void trackAudienceExitedUsesPropertiesAudienceKeyAndContextTraits() throws Exception {
        WebhookItem it = parser.segment(b("""
            {"type":"track","event":"Audience Exited","properties":{"audience_key":"churn","churn":false},
             "context":{"traits":{"email":"c@example.com","phone_sha256":"%s"}}}
            """.formatted(DigestUtils.sha256Hex("15551234567"))), null).get(0);
        assertThat(it.action).isEqualTo(Action.REMOVE);
        assertThat(it.audience.name()).isEqualTo("churn");
        assertThat(it.rows.get(0)[MetaKey.PHONE.ordinal()]).isEqualTo(DigestUtils.sha256Hex("15551234567"));
    }

    @Test
    void typeFromPathAndIgnoredKinds() throws Exception {
        List<WebhookItem> l = parser.segment(b("""
            [{"traits":{"email":"d@example.com","k":true},"context":{"personas":{"computation_key":"k"}}},
             {"type":"page","name":"x"},
             {"type":"identify","traits":{"email":"d@example.com","k":"maybe"},"context":{"personas":{"computation_key":"k"}}},
             {"type":"screen"}]
            """), "identify");
        assertThat(l.get(0).candidate()).isTrue();
        assertThat(l.get(1).parsedReason).isEqualTo("not_an_audience_event");
        assertThat(l.get(2).parsedReason).isEqualTo("no_membership_flag");
        assertThat(l.get(3).parsedReason).isEqualTo("not_an_audience_event");
    }

    @Test
    void nativeMembersNeedActionAndAudience() throws Exception {
        List<WebhookItem> l = parser.members(b("""
            [{"audience_id":"123","action":"remove","email":"e@example.com","messageId":"x"},
             {"audience":"a","email":"e@example.com"},
             {"audience":"a","action":"replace","email":"e@example.com"},
             {"segment_id":"9","action":"add","phone":"+1 555 123 4567"}]
            """));
        assertThat(l.get(0).audience.id()).isEqualTo("123");
        assertThat(l.get(0).messageId).isEqualTo("m:x");
        assertThat(l.get(1).parsedReason).isEqualTo("missing_action");
        assertThat(l.get(2).parsedReason).isEqualTo("invalid_action");
        assertThat(l.get(3).candidate()).isTrue();
    }

    @Test
    void unreadableBodies() {
        for (String s : new String[]{"", "nope", "1", "{\"batch\":{}}", "[]", "{} {}"}) {
            assertThatThrownBy(() -> parser.segment(b(s), null)).as(s).isInstanceOf(WebhookParser.UnreadableBodyException.class);
        }
    }

    /** the fast reading of event timestamps agrees with java.time on every shape it takes, and leaves the rest to it */
    @Test
    void timestampsReadFastAgreeWithJavaTime() {
        String[] fast = {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05.6Z", "2024-01-02T03:04:05.123456789Z",
                "2024-02-29T23:59:59.999+05:30", "1999-12-31T23:59:59-08:00", "1969-12-31T23:59:59.5Z", "2024-06-30t12:00:00z",
                "2024-01-02T03:04:05.12+00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"};
        for (String t : fast) {
            long expected = OffsetDateTime.parse(t.replace('t', 'T').replace('z', 'Z')).toInstant().toEpochMilli();
            assertThat(WebhookParser.isoMillis(t)).as(t).isEqualTo(expected);
        }
        // impossible dates and other shapes are not taken by the fast path (java.time decides, as before)
        for (String t : new String[]{"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-02T24:00:00Z", "2024-01-02T03:04:05",
                "2024-01-02 03:04:05Z", "2024-01-02T03:04Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05+0530", "2024-01-02T03:04:05.1234567890Z"}) {
            assertThat(WebhookParser.isoMillis(t)).as(t).isEqualTo(Long.MIN_VALUE);
        }
        // through the parser's own entry point: still read by java.time, or not a timestamp
        JsonNodeFactory f = JsonNodeFactory.instance;
        assertThat(WebhookParser.timestamp(f.textNode("2024-01-02T03:04:05+05:30:15"))).isEqualTo(OffsetDateTime.parse("2024-01-02T03:04:05+05:30:15").toInstant().toEpochMilli());
        assertThat(WebhookParser.timestamp(f.textNode("2023-02-29T00:00:00Z"))).isNull();
        assertThat(WebhookParser.timestamp(f.textNode(" 2024-01-02T03:04:05.678Z "))).isEqualTo(1704164645678L);
    }
}
