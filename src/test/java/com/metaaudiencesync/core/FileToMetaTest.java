package com.metaaudiencesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import com.metaaudiencesync.fake.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.zip.GZIPOutputStream;

import static com.metaaudiencesync.fake.FakeGraphApi.sha256Hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The core path over real boundaries: files dropped in a real inbox, the running service, and the fake Graph
 * API over HTTP that validates payloads like Meta and keeps membership. Pins CONTRACT §3 and §5.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:filetometa;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_1001",
        "sync.default-country=US",
        "sync.batch-size=10000",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.send.max-requests-per-second=1000",
        "sync.send.concurrency=4",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms"
})
class FileToMetaTest {
    static final String TOKEN = "test-token-FileToMeta-0000";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    static Path inbox() { return dir.resolve("inbox"); }

    /** Writes next to the inbox, then renames atomically into it (how producers should drop files). */
    static void drop(String name, byte[] content) throws IOException {
        Files.createDirectories(inbox());
        Path tmp = dir.resolve(name + ".part");
        Files.write(tmp, content);
        Files.move(tmp, inbox().resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    static void drop(String name, String content) throws IOException { drop(name, content.getBytes(StandardCharsets.UTF_8)); }

    static JsonNode awaitReport(String dirName, String file) {
        Path report = inbox().resolve(dirName).resolve(file + ".report.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(report));
        try { return JSON.readTree(report.toFile()); } catch (IOException e) { throw new AssertionError(e); }
    }

    /** 15 cells in schema order EXTERN_ID, EMAIL, PHONE, GEN, DOBY, DOBM, DOBD, LN, FN, FI, CT, ST, ZIP, COUNTRY, MADID */
    static String row(String externId, String email, String phone, String ln, String fn, String zip, String country, String madid) {
        String[] c = new String[15];
        Arrays.fill(c, "");
        c[0] = externId == null ? "" : externId;
        c[1] = email == null ? "" : sha256Hex(email);
        c[2] = phone == null ? "" : sha256Hex(phone);
        c[7] = ln == null ? "" : sha256Hex(ln);
        c[8] = fn == null ? "" : sha256Hex(fn);
        c[12] = zip == null ? "" : sha256Hex(zip);
        c[13] = country == null ? "" : sha256Hex(country);
        c[14] = madid == null ? "" : madid;
        return String.join("|", c);
    }

    @Test
    void csvRowsArriveNormalizedAndHashedInTheAudienceNamedByTheFile() throws Exception {
        drop("vip-buyers.csv", "Email,Phone Number,first_name,LastName,zip,country,external_id,maid,favourite_colour\n"
                + "  Mary@Example.com ,(650) 555-1212,Mary,O'Brien,94035-1234,United States,cust-1,AECE52E7-03EE-455A-B3C4-E57283966239,blue\n"
                + "\"b@y.com;c@z.com\",,,,,,,,\n"
                + ",,,,12345,,,,\n");
        JsonNode report = awaitReport(".done", "vip-buyers.csv");
        assertThat(report.path("rowsRead").asInt()).isEqualTo(3);
        assertThat(report.path("accepted").asInt()).isEqualTo(2);
        assertThat(report.path("rejected").asInt()).isEqualTo(1);
        assertThat(report.path("rejectReasons").path("too_little_to_match").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.audienceIdByName("vip-buyers") != null
                && FAKE.membership(FAKE.audienceIdByName("vip-buyers")).size() == 3);
        Set<String> members = FAKE.membership(FAKE.audienceIdByName("vip-buyers"));
        assertThat(members).containsExactlyInAnyOrder(
                row("cust-1", "mary@example.com", "16505551212", "obrien", "mary", "94035", "us", "aece52e7-03ee-455a-b3c4-e57283966239"),
                row(null, "b@y.com", null, null, null, null, null, null),
                row(null, "c@z.com", null, null, null, null, null, null));
        assertThat(FAKE.createCount("vip-buyers")).isEqualTo(1);
        assertThat(Files.exists(inbox().resolve(".done/vip-buyers.csv"))).isTrue();
        assertThat(Files.exists(inbox().resolve("vip-buyers.csv"))).isFalse();
        // the report is rewritten with Meta's answers once the batch is acknowledged
        await().atMost(Duration.ofSeconds(10)).until(() -> awaitReport(".done", "vip-buyers.csv").path("delivery").path("rowsSent").asInt() == 3);
        assertThat(awaitReport(".done", "vip-buyers.csv").path("delivery").path("metaNumReceived").asInt()).isEqualTo(3);
        // the token travels in the body, never in a URL of a /users call
        for (RecordedRequest r : FAKE.requests()) {
            if (r.path().endsWith("/users")) assertThat(r.query() == null ? "" : r.query()).doesNotContain("access_token");
        }
    }

    @Test
    void aTwentyFiveThousandRowFileBecomesThreeRequests() throws Exception {
        StringBuilder sb = new StringBuilder("email\n");
        for (int i = 0; i < 25_000; i++) sb.append("user").append(i).append("@big.example\n");
        String id = FAKE.seedAudience("act_1001", "big-list");
        long before = FAKE.requests().stream().filter(r -> r.path().endsWith(id + "/users")).count();
        drop("big-list.csv", sb.toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> FAKE.membership(id).size() == 25_000);
        List<RecordedRequest> calls = FAKE.requests().stream().filter(r -> r.path().endsWith(id + "/users") && r.ok()).toList();
        assertThat(calls.size() - before).isEqualTo(3);
        assertThat(FAKE.createCount("big-list")).isZero(); // found by name, not created again
    }

    @Test
    void twoFilesForTheSameNewAudienceCreateItOnce() throws Exception {
        StringBuilder a = new StringBuilder("email\n"), b = new StringBuilder("email\n");
        for (int i = 0; i < 500; i++) { a.append("a").append(i).append("@conc.example\n"); b.append("b").append(i).append("@conc.example\n"); }
        // several files, each with its own audience column pointing at the same new audience
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int f = 0; f < 4; f++) {
            int n = f;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    StringBuilder s = new StringBuilder("audience,email\n");
                    for (int i = 0; i < 300; i++) s.append("concurrent-new,f").append(n).append('_').append(i).append("@conc.example\n");
                    drop("conc-" + n + ".csv", s.toString());
                } catch (Exception e) { throw new RuntimeException(e); }
            });
            t.start();
            ts.add(t);
        }
        go.countDown();
        for (Thread t : ts) t.join();
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.audienceIdByName("concurrent-new") != null
                && FAKE.membership(FAKE.audienceIdByName("concurrent-new")).size() == 1200);
        assertThat(FAKE.createCount("concurrent-new")).isEqualTo(1);
    }

    @Test
    void lookupByNameFollowsEveryPage() throws Exception {
        FAKE.setPageSize(5);
        try {
            for (int i = 0; i < 23; i++) FAKE.seedAudience("act_1001", "filler-" + i);
            String id = FAKE.seedAudience("act_1001", "on-the-last-page");
            drop("on-the-last-page.csv", "email\nlast@page.example\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 1);
            assertThat(FAKE.createCount("on-the-last-page")).isZero();
            assertThat(FAKE.requests().stream().filter(r -> r.path().endsWith("/customaudiences") && "GET".equals(r.method())).count())
                    .isGreaterThanOrEqualTo(5);
        } finally {
            FAKE.setPageSize(FakeGraphApi.DEFAULT_PAGE_SIZE);
        }
    }

    @Test
    void removesUsePostWithMethodDeleteAndNeverPutThePayloadInTheUrl() throws Exception {
        String id = FAKE.seedAudience("act_1001", "churned");
        drop("churned.csv", "email\nx1@churn.example\nx2@churn.example\nx3@churn.example\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 3);
        drop("churned.remove.csv", "email\nx1@churn.example\nx3@churn.example\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 1);
        assertThat(FAKE.membership(id)).containsExactly(row(null, "x2@churn.example", null, null, null, null, null, null));
        assertThat(FAKE.payloadInUrlCount()).isZero();
        assertThat(FAKE.requests().stream().filter(r -> r.path().endsWith(id + "/users")).allMatch(r -> "POST".equals(r.method()))).isTrue();
    }

    @Test
    void actionAndAudienceIdColumnsWinOverTheFileName() throws Exception {
        String id = FAKE.seedAudience("act_1001", "by-id-target");
        drop("whatever.ndjson", "{\"audience_id\":\"" + id + "\",\"action\":\"add\",\"email\":\"n1@nd.example\"}\n"
                + "{\"audience_id\":\"" + id + "\",\"action\":\"add\",\"emails\":[\"n2@nd.example\",\"n3@nd.example\"]}\n"
                + "not json\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 3);
        JsonNode report = awaitReport(".done", "whatever.ndjson");
        assertThat(report.path("rejectReasons").path("invalid_json").asInt()).isEqualTo(1);
        assertThat(report.path("rejectLineSamples").path("invalid_json").get(0).asInt()).isEqualTo(3);
        drop("whatever2.json", "[{\"audience_id\":\"" + id + "\",\"action\":\"remove\",\"email\":\"n1@nd.example\"}]");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 2);
    }

    @Test
    void anInvalidAudienceRejectsItsRowsWithAReasonNotTheFile() throws Exception {
        String longName = "n".repeat(5000);
        drop("names-check.csv", "email,audience,audience_id\n"
                + "long1@names.example," + longName + ",\n"
                + "ctrl@names.example,\"tab\there\",\n"
                + "path@names.example,,../act_1/users\n"
                + "fine@names.example,names-ok,\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.audienceIdByName("names-ok") != null
                && FAKE.membership(FAKE.audienceIdByName("names-ok")).size() == 1);
        JsonNode report = awaitReport(".done", "names-check.csv");
        assertThat(report.path("accepted").asInt()).isEqualTo(1);
        assertThat(report.path("rejectReasons").path("audience_name_too_long").asInt()).isEqualTo(1);
        assertThat(report.path("rejectReasons").path("invalid_audience_name").asInt()).isEqualTo(1);
        assertThat(report.path("rejectReasons").path("invalid_audience_id").asInt()).isEqualTo(1);
        assertThat(FAKE.audienceIdByName(longName)).isNull();
    }

    @Test
    void limitedDataUseColumnsArePassedThroughAsDataProcessingOptions() throws Exception {
        String id = FAKE.seedAudience("act_1001", "ldu-list");
        long before = FAKE.lduRowCount();
        drop("ldu-list.csv", "email,data_processing_options,data_processing_options_country,data_processing_options_state\n"
                + "ca1@ldu.example,LDU,1,1000\n"
                + "plain@ldu.example,,,\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 2);
        assertThat(FAKE.lduRowCount() - before).isEqualTo(1);
        assertThat(FAKE.lastLdu()).isEqualTo("[\"LDU\"]|1|1000");
        // the LDU columns are not identifiers: both rows are members with the same 15-key schema
        assertThat(FAKE.membership(id)).containsExactlyInAnyOrder(
                row(null, "ca1@ldu.example", null, null, null, null, null, null),
                row(null, "plain@ldu.example", null, null, null, null, null, null));
        assertThat(FAKE.schemaOf(id)).hasSize(15);
    }

    @Test
    void gzippedFilesAreReadAsStreams() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write("email\ngz1@gz.example\ngz2@gz.example\n".getBytes(StandardCharsets.UTF_8));
        }
        drop("gz-list.csv.gz", bos.toByteArray());
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.audienceIdByName("gz-list") != null
                && FAKE.membership(FAKE.audienceIdByName("gz-list")).size() == 2);
    }

    @Test
    void aReplaceFileReplacesTheWholeAudienceInOneSession() throws Exception {
        String id = FAKE.seedAudience("act_1001", "replace-me");
        drop("replace-me.csv", "email\nold1@r.example\nold2@r.example\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 2);
        drop("replace-me.replace.csv", "email\nnew1@r.example\nold2@r.example\nnew3@r.example\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).equals(Set.of(
                row(null, "new1@r.example", null, null, null, null, null, null),
                row(null, "old2@r.example", null, null, null, null, null, null),
                row(null, "new3@r.example", null, null, null, null, null, null))));
        assertThat(FAKE.replaceRequestCount()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void unreadableFilesGoToFailedWithAReason() throws Exception {
        drop("empty.csv", "");
        drop("binary.csv", new byte[]{1, 2, 0, 0, 3, 4, 0, 5});
        drop("notarray.json", "{\"email\":\"a@b.c\"}");
        drop("notgzip.csv.gz", "email\na@b.c\n");
        assertThat(awaitReport(".failed", "empty.csv").path("error").asText()).contains("empty");
        assertThat(awaitReport(".failed", "binary.csv").path("error").asText()).contains("binary");
        assertThat(awaitReport(".failed", "notarray.json").path("error").asText()).contains("array");
        assertThat(awaitReport(".failed", "notgzip.csv.gz").path("error").asText()).contains("gzip");
    }

    @Test
    void tempNamesAndDotFilesAreNeverRead() throws Exception {
        Files.createDirectories(inbox());
        Files.writeString(inbox().resolve("partial.csv.tmp"), "email\ntmp@t.example\n");
        Files.writeString(inbox().resolve(".hidden.csv"), "email\nhidden@t.example\n");
        drop("marker-list.csv", "email\nmarker@t.example\n");
        awaitReport(".done", "marker-list.csv");
        assertThat(Files.exists(inbox().resolve("partial.csv.tmp"))).isTrue();
        assertThat(Files.exists(inbox().resolve(".hidden.csv"))).isTrue();
        Set<String> seen = new HashSet<>();
        for (String a : FAKE.audienceIds()) seen.addAll(FAKE.membership(a));
        assertThat(seen).noneMatch(r -> r.contains(sha256Hex("tmp@t.example")) || r.contains(sha256Hex("hidden@t.example")));
    }
}
