package com.metaaudiencesync.poll;

import com.fasterxml.jackson.core.type.TypeReference;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.metaaudiencesync.poll.PollTestSupport.HTTP;
import static com.metaaudiencesync.poll.PollTestSupport.JSON;
import static com.metaaudiencesync.poll.PollTestSupport.emails;
import static com.metaaudiencesync.poll.PollTestSupport.num;
import static com.metaaudiencesync.poll.PollTestSupport.port;
import static com.metaaudiencesync.poll.PollTestSupport.rows;
import static com.metaaudiencesync.poll.PollTestSupport.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mass-removal guard with its defaults (50 % / 50 %), over real boundaries: a raw-socket HTTP/1.0 source that
 * ends its body early without any framing, an H2 source table, the admin API over HTTP, the fake Graph API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PollGuardTest {
    static final String NEVER = "0 0 0 1 1 ? 2099";

    @TempDir static Path dir;
    FakeGraphApi fake;
    ConfigurableApplicationContext ctx;
    UnframedHttpSource http;
    PollTestSupport.SourceDb shortSrc;

    @BeforeAll
    void start() throws Exception {
        fake = FakeGraphApi.start(PollTestSupport.TOKEN);
        http = new UnframedHttpSource();
        shortSrc = new PollTestSupport.SourceDb();
        Map<String, String> p = PollTestSupport.base(dir, fake);
        p.put("sync.polls[0].name", "cut");
        p.put("sync.polls[0].cron", NEVER);
        p.put("sync.polls[0].audience", "cut-aud");
        p.put("sync.polls[0].mode", "mirror");
        p.put("sync.polls[0].source.type", "http");
        p.put("sync.polls[0].source.url", "http://127.0.0.1:" + http.port() + "/segment.csv");
        p.put("sync.polls[1].name", "short");
        p.put("sync.polls[1].cron", NEVER);
        p.put("sync.polls[1].audience", "short-aud");
        p.put("sync.polls[1].mode", "mirror");
        p.put("sync.polls[1].source.type", "jdbc");
        p.put("sync.polls[1].source.url", shortSrc.url);
        p.put("sync.polls[1].source.username", "sa");
        p.put("sync.polls[1].source.query", "SELECT email FROM members ORDER BY id");
        ctx = PollTestSupport.start(p);
    }

    @AfterAll
    void stop() throws Exception {
        if (ctx != null) ctx.close();
        if (fake != null) fake.close();
        http.close();
        shortSrc.close();
    }

    static List<String> members(String prefix, int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(prefix + i + "@example.com");
        return l;
    }

    HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + path)).header("Authorization", PollTestSupport.BASIC).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    Map<String, Object> awaitStatus(String job, long id, String status) {
        Map<String, Object>[] last = new Map[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = PollTestSupport.run(ctx, job, id);
            return last[0] != null && status.equals(last[0].get("status"));
        });
        return last[0];
    }

    @Test
    void mirrorOverAnHttpSourceThatClosesMidBodyIsHeldUntilApproved() throws Exception {
        List<String> all = members("m", 300);
        http.body = "email\n" + String.join("\n", all) + "\n";
        http.cutAfterLines = -1;
        Map<String, Object> r1 = runAndWait(ctx, "cut");
        assertThat(r1.get("status")).isEqualTo("succeeded");
        assertThat(r1.get("held")).isNull();
        String id = fake.audienceIdByName("cut-aud");
        assertThat(fake.membership(id)).isEqualTo(rows(all));

        // 200, no Content-Length, connection closed after a third of the rows: nothing tells the reader it is short
        http.cutAfterLines = 101; // header + 100 rows
        long removesBefore = fake.removeRequestCount();
        Map<String, Object> r2 = runAndWait(ctx, "cut");
        assertThat(r2.get("status")).isEqualTo("held");
        assertThat(num(r2, "rowsRead")).isEqualTo(100);
        @SuppressWarnings("unchecked") Map<String, Object> held = (Map<String, Object>) r2.get("held");
        assertThat(held).isNotNull();
        assertThat(((Number) held.get("wouldRemove")).longValue()).isEqualTo(200);
        assertThat(((Number) held.get("knownMembers")).longValue()).isEqualTo(300);
        assertThat(((Number) held.get("sourceRows")).longValue()).isEqualTo(100);
        assertThat(((Number) held.get("lastSourceRows")).longValue()).isEqualTo(300);
        assertThat((String) held.get("reason")).contains("would remove 200 of 300").contains("max-removal-percent=50");
        assertThat(r2.get("approvedAt")).isNull();
        assertThat(fake.removeRequestCount()).as("no removal reaches Meta while held").isEqualTo(removesBefore);
        assertThat(fake.membership(id)).isEqualTo(rows(all));

        // visible in metrics and health while held
        assertThat(scrape()).contains("mas_guard_held{kind=\"poll\"} 1.0");
        assertThat(health()).contains("\"guard\"").contains("would remove 200 of 300");

        // an operator checked the export and approves: the removals reach Meta
        HttpResponse<String> a = post("/api/polls/cut/runs/" + num(r2, "id") + "/approve");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        Map<String, Object> body = JSON.readValue(a.body(), new TypeReference<>() {});
        assertThat(body.get("approved")).isEqualTo(true);
        assertThat(((Number) body.get("rowsRemoved")).longValue()).isEqualTo(200);
        Map<String, Object> done = awaitStatus("cut", num(r2, "id"), "succeeded");
        assertThat(done.get("approvedAt")).isNotNull();
        assertThat(done.get("held")).isNull();
        assertThat(num(done, "rowsRemoved")).isEqualTo(200);
        assertThat(fake.membership(id)).isEqualTo(rows(all.subList(0, 100)));
        assertThat(fake.removeRequestCount()).isGreaterThan(removesBefore);

        // approving again: 409; an unknown run: 404
        assertThat(post("/api/polls/cut/runs/" + num(r2, "id") + "/approve").statusCode()).isEqualTo(409);
        assertThat(post("/api/polls/cut/runs/999999/approve").statusCode()).isEqualTo(404);
        assertThat(scrape()).contains("mas_guard_held{kind=\"poll\"} 0.0");
    }

    @Test
    void aSourceFarShorterThanItsLastSuccessfulRunIsHeldAndTheNextNormalRunSupersedesIt() throws Exception {
        // the last good export: 4 valid members and 6 rows the normalizer rejects (10 rows from the source)
        List<String> good = emails("a", "b", "c", "d");
        List<String> v1 = new ArrayList<>(good);
        for (int i = 0; i < 6; i++) v1.add("not-an-email-" + i);
        shortSrc.set(v1);
        Map<String, Object> r1 = runAndWait(ctx, "short");
        assertThat(r1.get("status")).isEqualTo("succeeded");
        assertThat(num(r1, "rowsRead")).isEqualTo(10);

        // now only 4 rows: nothing would be removed, but the source shrank to 40 % of its last run
        shortSrc.set(good);
        Map<String, Object> r2 = runAndWait(ctx, "short");
        assertThat(r2.get("status")).isEqualTo("held");
        @SuppressWarnings("unchecked") Map<String, Object> held = (Map<String, Object>) r2.get("held");
        assertThat((String) held.get("reason")).contains("the source returned 4 rows").contains("min-source-percent=50")
                .doesNotContain("would remove");
        assertThat(((Number) held.get("wouldRemove")).longValue()).isZero();
        assertThat(((Number) held.get("lastSourceRows")).longValue()).isEqualTo(10);

        // the source recovers: the next run goes ahead and the held one is superseded, never to be approved
        shortSrc.set(v1);
        Map<String, Object> r3 = runAndWait(ctx, "short");
        assertThat(r3.get("status")).isEqualTo("succeeded");
        assertThat(PollTestSupport.run(ctx, "short", num(r2, "id")).get("status")).isEqualTo("superseded");
        assertThat(post("/api/polls/short/runs/" + num(r2, "id") + "/approve").statusCode()).isEqualTo(409);
        assertThat(fake.membership(fake.audienceIdByName("short-aud"))).isEqualTo(rows(good));
    }

    @Test
    void aReplaceFileThatWouldShrinkTheAudienceByMoreThanHalfIsHeldUntilApproved() throws Exception {
        List<String> day1 = members("r", 300);
        drop("shrink.day1.replace.csv", day1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fake.audienceIdByName("shrink") != null
                && fake.membership(fake.audienceIdByName("shrink")).equals(rows(day1)) && queued() == 0);
        String id = fake.audienceIdByName("shrink");
        long replaces = fake.replaceRequestCount();

        // a third of yesterday's export: 200 of 300 members would leave the audience
        List<String> day2 = day1.subList(0, 100);
        drop("shrink.day2.replace.csv", day2);
        List<Map<String, Object>> held = awaitHeldFiles(1);
        Map<String, Object> h = held.get(0);
        assertThat(h.get("file")).isEqualTo("shrink.day2.replace.csv");
        assertThat(h.get("audience")).isEqualTo("name:shrink");
        assertThat(((Number) h.get("wouldRemove")).longValue()).isEqualTo(200);
        assertThat(((Number) h.get("knownMembers")).longValue()).isEqualTo(300);
        assertThat((String) h.get("reason")).contains("max-removal-percent=50");
        assertThat(h.get("heldAt")).isNotNull();
        assertThat(scrape()).contains("mas_guard_held{kind=\"file\"} 1.0");
        assertThat(fake.replaceRequestCount()).as("nothing replaced while held").isEqualTo(replaces);
        assertThat(fake.membership(id)).isEqualTo(rows(day1));

        long hold = ((Number) h.get("id")).longValue();
        HttpResponse<String> a = post("/api/files/" + hold + "/approve");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(a.body()).contains("\"approved\":true");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(id).equals(rows(day2)) && queued() == 0);
        assertThat(post("/api/files/" + hold + "/approve").statusCode()).isEqualTo(409);
        assertThat(post("/api/files/999999/approve").statusCode()).isEqualTo(404);

        // held again (10 of 100), then a normal replace of the audience supersedes the hold: its batches are dropped
        drop("shrink.day3.replace.csv", day1.subList(0, 10));
        long hold3 = ((Number) awaitHeldFiles(1).get(0).get("id")).longValue();
        List<String> day4 = day1.subList(0, 80);
        drop("shrink.day4.replace.csv", day4);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(id).equals(rows(day4)) && queued() == 0);
        assertThat(heldFiles()).isEmpty();
        assertThat(post("/api/files/" + hold3 + "/approve").statusCode()).isEqualTo(409);
        assertThat(fake.membership(id)).isEqualTo(rows(day4));
    }

    void drop(String name, List<String> emails) throws IOException {
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Path tmp = dir.resolve(name + ".part");
        Files.writeString(tmp, "email\n" + String.join("\n", emails) + "\n");
        Files.move(tmp, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    List<Map<String, Object>> heldFiles() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/api/files/held")).header("Authorization", PollTestSupport.BASIC).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readValue(r.body(), new TypeReference<>() {});
    }

    List<Map<String, Object>> awaitHeldFiles(int n) {
        List<Map<String, Object>>[] last = new List[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = heldFiles();
            return last[0].size() == n;
        });
        return last[0];
    }

    long queued() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/api/status")).header("Authorization", PollTestSupport.BASIC).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return ((Number) JSON.readValue(r.body(), Map.class).get("queuedBatches")).longValue();
    }

    String scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/actuator/prometheus")).header("Authorization", PollTestSupport.BASIC).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    String health() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/actuator/health")).header("Authorization", PollTestSupport.BASIC).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * A raw HTTP/1.0 server: "200 OK" with no Content-Length and no chunking, the body ended by closing the
     * connection. With cutAfterLines set it closes after that many lines: an ordinary-looking complete response.
     */
    static final class UnframedHttpSource extends RawHttpSource {
        volatile int cutAfterLines = -1;

        UnframedHttpSource() throws IOException { super("unframed-http-source"); }

        @Override
        void respond(String head, OutputStream out) throws IOException {
            String text = body;
            if (cutAfterLines >= 0) {
                int at = 0;
                for (int i = 0; i < cutAfterLines && at >= 0; i++) at = text.indexOf('\n', at) + 1;
                text = text.substring(0, at);
            }
            out.write("HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
