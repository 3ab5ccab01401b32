package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.codec.digest.DigestUtils;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real HTTP against the running app (no authentication configured, dry-run): payload shapes from Segment's
 * public spec (identify / track "Audience Entered"/"Audience Exited" / tracking-API batch / bare array),
 * native members, per-index rejections, duplicates, out-of-order events, 404/405/400, and rows turning
 * into batches (dry-run outbox).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-open-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.inbox=target/webhook-test/open/inbox",
        "sync.outbox=target/webhook-test/open/outbox",
        "sync.batch-timeout=300ms",
        "sync.batch-flush-period-millis=100",
})
class WebhookHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort int port;
    @Autowired JdbcTemplate jdbc;
    @Value("${sync.outbox}") String outboxDir;

    /** the port the webhook requests go to (server.port here; the Vert.x listener in the subclasses) */
    int webhookPort() { return port; }

    Http http() { return new Http(webhookPort()); }

    static String uid() { return UUID.randomUUID().toString(); }

    static JsonNode json(HttpResponse<String> r) throws Exception { return JSON.readTree(r.body()); }

    long pendingFor(String audienceName) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending WHERE audience_key=?", Long.class, "name:" + audienceName)
                + jdbc.queryForObject("SELECT COALESCE(SUM(row_count),0) FROM mas_batch WHERE audience_key=?", Long.class, "name:" + audienceName);
    }

    /** Segment spec identify as Engage sends it for an audience (traits[key] = true/false). */
    static String identify(String key, boolean member, String email, String userId, String messageId, String ts) {
        return """
            {"type":"identify","messageId":"%s","userId":"%s","anonymousId":"anon-1",
             "timestamp":"%s","sentAt":"%s",
             "traits":{"email":"%s","%s":%s,"first_name":"Ada"},
             "context":{"library":{"name":"analytics.js","version":"2.11.1"},
                        "personas":{"computation_class":"audience","computation_id":"aud_1","computation_key":"%s","namespace":"spa_1","space_id":"spa_1"}},
             "integrations":{"All":false,"Webhooks":true}, "version":2}
            """.formatted(messageId, userId, ts, ts, email, key, member, key);
    }

    /** Segment spec track "Audience Entered"/"Audience Exited" (properties[key] + properties.audience_key). */
    static String track(String key, boolean member, String email, String userId, String messageId, String ts) {
        return """
            {"type":"track","event":"%s","messageId":"%s","userId":"%s","timestamp":"%s",
             "properties":{"audience_key":"%s","%s":%s},
             "context":{"traits":{"email":"%s"},"device":{"advertisingId":"6D92078A-8246-4BA4-AE5B-76104861E7DC"},
                        "personas":{"computation_class":"audience","computation_key":"%s"}}}
            """.formatted(member ? "Audience Entered" : "Audience Exited", messageId, userId, ts, key, key, member, email, key);
    }

    @Test
    void singleIdentifyEventIsAcceptedAndDurable() throws Exception {
        String aud = "vip_" + uid().substring(0, 8);
        HttpResponse<String> r = http().post("/webhooks/segment", identify(aud, true, "ada@example.com", "u-1", uid(), "2024-05-01T10:00:00.000Z"));
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode b = json(r);
        assertThat(b.get("accepted").asInt()).isEqualTo(1);
        assertThat(b.get("results").get(0).get("status").asText()).isEqualTo("accepted");
        assertThat(pendingFor(aud)).isEqualTo(1);
        assertThat(r.body()).doesNotContain("ada@example.com");
    }

    @Test
    void trackEnteredAndExitedOnTrackingPath() throws Exception {
        String aud = "cart_" + uid().substring(0, 8);
        HttpResponse<String> r = http().post("/v1/track", track(aud, true, "bob@example.com", "u-2", uid(), "2024-05-01T10:00:00Z"));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(json(r).get("accepted").asInt()).isEqualTo(1);
        r = http().post("/v1/track", track(aud, false, "bob@example.com", "u-2", uid(), "2024-05-01T11:00:00Z"));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(json(r).get("accepted").asInt()).isEqualTo(1);
        Long removes = jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending WHERE audience_key=? AND action='REMOVE'", Long.class, "name:" + aud)
                + jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE audience_key=? AND action='REMOVE'", Long.class, "name:" + aud);
        assertThat(removes).isEqualTo(1);
    }

    @Test
    void trackingApiBatchMixesTypesAndAudiencesAndIgnoresOthers() throws Exception {
        String a1 = "a1_" + uid().substring(0, 8), a2 = "a2_" + uid().substring(0, 8);
        String body = """
            {"batch":[
              %s,
              %s,
              {"type":"page","name":"Home","userId":"u-9","messageId":"%s","properties":{"url":"https://x"}},
              {"type":"identify","userId":"u-10","messageId":"%s","traits":{"email":"c@example.com"}},
              {"type":"group","groupId":"g1","messageId":"%s"},
              {"type":"alias","previousId":"a","userId":"b","messageId":"%s"}
             ],
             "sentAt":"2024-05-01T10:00:01Z","writeKey":"wk","context":{"library":{"name":"analytics-node"}}}
            """.formatted(identify(a1, true, "d@example.com", "u-3", uid(), "2024-05-01T10:00:00Z"),
                track(a2, true, "e@example.com", "u-4", uid(), "2024-05-01T10:00:00Z"), uid(), uid(), uid(), uid());
        HttpResponse<String> r = http().post("/v1/batch", body);
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode b = json(r);
        assertThat(b.get("accepted").asInt()).isEqualTo(2);
        assertThat(b.get("ignored").asInt()).isEqualTo(4);
        assertThat(b.get("results").get(2).get("reason").asText()).isEqualTo("not_an_audience_event");
        assertThat(b.get("results").get(3).get("reason").asText()).isEqualTo("no_audience_key");
        assertThat(pendingFor(a1)).isEqualTo(1);
        assertThat(pendingFor(a2)).isEqualTo(1);
    }

    @Test
    void bareArrayWithOneBadEventRejectsOnlyThatOne() throws Exception {
        String aud = "arr_" + uid().substring(0, 8);
        String body = "[" + identify(aud, true, "f@example.com", "u-5", uid(), "2024-05-01T10:00:00Z") + ","
                + "{\"type\":\"identify\",\"messageId\":\"" + uid() + "\",\"traits\":{\"" + aud + "\":true},"
                + "\"context\":{\"personas\":{\"computation_key\":\"" + aud + "\"}}},"
                + "42,"
                + identify(aud, true, "g@example.com", "u-6", uid(), "2024-05-01T10:00:00Z") + "]";
        HttpResponse<String> r = http().post("/webhooks/segment", body);
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode b = json(r);
        assertThat(b.get("accepted").asInt()).isEqualTo(2);
        assertThat(b.get("rejected").asInt()).isEqualTo(2);
        assertThat(b.get("results").get(1).get("status").asText()).isEqualTo("rejected");
        assertThat(b.get("results").get(1).get("reason").asText()).isEqualTo("too_little_to_match");
        assertThat(b.get("results").get(2).get("reason").asText()).isEqualTo("not_an_object");
        assertThat(pendingFor(aud)).isEqualTo(2);
    }

    @Test
    void duplicateMessageIdIsAcknowledgedNotAppliedTwice() throws Exception {
        String aud = "dup_" + uid().substring(0, 8);
        String mid = uid();
        String ev = identify(aud, true, "h@example.com", "u-7", mid, "2024-05-01T10:00:00Z");
        assertThat(http().post("/webhooks/segment", ev).statusCode()).isEqualTo(202);
        HttpResponse<String> again = http().post("/v1/identify", ev);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(json(again).get("duplicates").asInt()).isEqualTo(1);
        assertThat(json(again).get("accepted").asInt()).isEqualTo(0);
        assertThat(pendingFor(aud)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_webhook_message WHERE message_id=?", Long.class, "s:" + mid)).isEqualTo(1);
    }

    @Test
    void olderEnterAfterNewerExitDoesNotReAdd() throws Exception {
        String aud = "ooo_" + uid().substring(0, 8);
        // entered at 10:00 (applied), exited at 12:00 (applied), then a late "entered" from 11:00 arrives
        assertThat(json(http().post("/webhooks/segment", track(aud, true, "i@example.com", "u-8", uid(), "2024-05-01T10:00:00Z"))).get("accepted").asInt()).isEqualTo(1);
        assertThat(json(http().post("/webhooks/segment", track(aud, false, "i@example.com", "u-8", uid(), "2024-05-01T12:00:00Z"))).get("accepted").asInt()).isEqualTo(1);
        HttpResponse<String> late = http().post("/webhooks/segment", track(aud, true, "i@example.com", "u-8", uid(), "2024-05-01T11:00:00Z"));
        assertThat(late.statusCode()).isEqualTo(202);
        assertThat(json(late).get("ignored").asInt()).isEqualTo(1);
        assertThat(json(late).get("results").get(0).get("reason").asText()).isEqualTo("stale_event");
        Long adds = jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending WHERE audience_key=? AND action='ADD'", Long.class, "name:" + aud)
                + jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE audience_key=? AND action='ADD'", Long.class, "name:" + aud);
        assertThat(adds).isEqualTo(1);
    }

    @Test
    void exitBeforeEnterForUnknownAudienceStillBlocksTheOlderEnter() throws Exception {
        String aud = "oox_" + uid().substring(0, 8);
        HttpResponse<String> exit = http().post("/webhooks/segment", identify(aud, false, "j@example.com", "u-9", uid(), "2024-05-02T12:00:00Z"));
        assertThat(json(exit).get("results").get(0).get("reason").asText()).isEqualTo("unknown_audience");
        HttpResponse<String> enter = http().post("/webhooks/segment", identify(aud, true, "j@example.com", "u-9", uid(), "2024-05-02T11:00:00Z"));
        assertThat(json(enter).get("results").get(0).get("reason").asText()).isEqualTo("stale_event");
        assertThat(pendingFor(aud)).isZero();
    }

    @Test
    void nativeMembersObjectAndArray() throws Exception {
        String aud = "native_" + uid().substring(0, 8);
        HttpResponse<String> one = http().post("/webhooks/members", "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"k@example.com\"}");
        assertThat(one.statusCode()).isEqualTo(202);
        assertThat(json(one).get("accepted").asInt()).isEqualTo(1);
        String hash = DigestUtils.sha256Hex("l@example.com");
        String arr = """
            [{"segment_name":"%s","action":"add","email_sha256":"%s"},
             {"audience":"%s","action":"add","emails":["m@example.com","n@example.com"]},
             {"audience":"%s","action":"explode","email":"o@example.com"},
             {"action":"add","email":"p@example.com"},
             {"audience_id":"23850000000000001","action":"remove","email":"q@example.com"},
             {"audience":"never-seen-%s","action":"remove","email":"r@example.com"},
             {"audience":"%s","action":"remove","email":"k@example.com"}]
            """.formatted(aud, hash, aud, aud, uid(), aud);
        HttpResponse<String> r = http().post("/webhooks/members", arr);
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode b = json(r);
        assertThat(b.get("results").get(0).get("status").asText()).isEqualTo("accepted");
        assertThat(b.get("results").get(1).get("status").asText()).isEqualTo("accepted");
        assertThat(b.get("results").get(2).get("reason").asText()).isEqualTo("invalid_action");
        assertThat(b.get("results").get(3).get("reason").asText()).isEqualTo("no_audience");
        assertThat(b.get("results").get(4).get("status").asText()).isEqualTo("accepted");
        assertThat(b.get("results").get(5).get("status").asText()).isEqualTo("rejected");
        assertThat(b.get("results").get(5).get("reason").asText()).isEqualTo("unknown_audience");
        assertThat(b.get("results").get(6).get("status").asText()).isEqualTo("accepted");
        assertThat(b.get("accepted").asInt()).isEqualTo(4);
        assertThat(b.get("rejected").asInt()).isEqualTo(3);
        assertThat(b.get("rows").asInt()).isEqualTo(5);
        assertThat(r.body()).doesNotContain("example.com");
    }

    @Test
    void unreadableBodyIs400ProblemJson() throws Exception {
        for (String bad : new String[]{"{not json", "", "\"a string\"", "{\"batch\": 3}", "[]"}) {
            HttpResponse<String> r = http().post("/webhooks/segment", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            JsonNode p = json(r);
            assertThat(p.get("status").asInt()).isEqualTo(400);
            assertThat(p.has("type") && p.has("title") && p.has("detail")).isTrue();
        }
    }

    @Test
    void wrongMethodIs405AndUnknownPathIs404() throws Exception {
        HttpResponse<String> get = http().send("GET", "/webhooks/members", null);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(http().post("/webhooks/nope", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void outOfOrderEventsInOneBatchAndInConcurrentRequestsKeepTheNewest() throws Exception {
        String aud = "clk_" + uid().substring(0, 8);
        // entered at 10:00; then one tracking-API batch: the exit (12:00) first, then an older enter (11:00): stale
        assertThat(json(http().post("/webhooks/segment", identify(aud, true, "k@example.com", "u-clk", uid(), "2024-05-01T10:00:00Z"))).get("accepted").asInt()).isEqualTo(1);
        String batch = "{\"batch\":[" + identify(aud, false, "k@example.com", "u-clk", uid(), "2024-05-01T12:00:00Z") + ","
                + identify(aud, true, "k@example.com", "u-clk", uid(), "2024-05-01T11:00:00Z") + "]}";
        JsonNode b = json(http().post("/v1/batch", batch));
        assertThat(b.get("results").get(0).get("status").asText()).isEqualTo("accepted");
        assertThat(b.get("results").get(1).get("reason").asText()).isEqualTo("stale_event");
        // 24 concurrent requests for one member, minutes 13:00..13:23 in shuffled order (committed in groups):
        // whatever the grouping, the clock ends at the newest event and an event is applied only if nothing newer was
        List<Integer> minutes = new ArrayList<>(IntStream.range(0, 24).boxed().toList());
        Collections.shuffle(minutes, new Random(7));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int m : minutes) {
                String ts = "2024-05-01T13:%02d:00Z".formatted(m);
                fs.add(pool.submit(() -> http().post("/webhooks/segment", identify(aud, m % 2 == 1, "k@example.com", "u-clk", uid(), ts))));
            }
            for (var f : fs) assertThat(f.get().statusCode()).isEqualTo(202);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> clock = jdbc.queryForMap("SELECT event_ts, action FROM mas_member_clock WHERE audience_key=?", "name:" + aud);
        assertThat(((Number) clock.get("event_ts")).longValue()).isEqualTo(Instant.parse("2024-05-01T13:23:00Z").toEpochMilli());
        assertThat(clock.get("action")).isEqualTo("ADD"); // minute 23 is odd: entered
    }

    @Test
    void jsonSentWithAFormContentTypeIsStillRead() throws Exception {
        // what curl -d sends without -H: the body is still the JSON members, never parsed as form fields
        String aud = "form_" + uid().substring(0, 8);
        HttpResponse<String> r = http().postAs("/webhooks/members",
                "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"form@example.com\"}", "application/x-www-form-urlencoded");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(json(r).get("accepted").asInt()).isEqualTo(1);
        assertThat(pendingFor(aud)).isEqualTo(1);
    }

    @Test
    void requestHeadersAreNotEchoed() throws Exception {
        HttpResponse<String> r = http().post("/webhooks/segment", identify("echo_" + uid().substring(0, 6), true, "s@example.com", "u-1", uid(), "2024-05-01T10:00:00Z"),
                "X-Custom-Secretish", "do-not-echo");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("camel") || h.equalsIgnoreCase("x-custom-secretish"));
    }

    @Test
    void pendingWebhookRowsBecomeBatches() throws Exception {
        String aud = "flush_" + uid().substring(0, 8);
        String email = "flush-" + uid().substring(0, 6) + "@example.com";
        assertThat(http().post("/webhooks/members", "{\"audience\":\"" + aud + "\",\"action\":\"add\",\"email\":\"" + email + "\"}").statusCode()).isEqualTo(202);
        String hash = DigestUtils.sha256Hex(email);
        Path outbox = Path.of(outboxDir);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!Files.isDirectory(outbox)) return false;
            try (Stream<Path> s = Files.walk(outbox)) {
                return s.filter(Files::isRegularFile).anyMatch(p -> {
                    try { return Files.readString(p).contains(hash); } catch (Exception e) { return false; }
                });
            } catch (UncheckedIOException e) {
                return false; // a temporary file was renamed while the directory was listed: look again
            }
        });
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_pending WHERE audience_key=?", Long.class, "name:" + aud)).isZero();
    }
}
