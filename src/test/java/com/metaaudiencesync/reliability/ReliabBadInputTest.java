package com.metaaudiencesync.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input never stops the service and never loses the good rows of a partly bad file: every case gets a report
 * with a clear reason (line numbers where there are lines). A 10 MB line is rejected alone. No report or log line
 * carries a raw value.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:reliab-badinput;DB_CLOSE_DELAY=-1",
        "sync.batch-size=1000",
        "sync.send.poll-interval-millis=50",
        "sync.file.poll-delay=100",
        "sync.file.read-lock-check-interval=100",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms",
})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ReliabBadInputTest {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final Path inbox = ReliabSupport.tempDir("reliab-bad-inbox");
    static final Path outbox = ReliabSupport.tempDir("reliab-bad-outbox");
    static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        Map<String, String> p = new HashMap<>();
        ReliabSupport.common(p, fake, inbox, outbox);
        p.forEach((k, v) -> r.add(k, () -> v));
    }

    @AfterAll
    static void stop() { fake.close(); }

    static JsonNode awaitReport(String dir, String file) {
        Path p = inbox.resolve(dir).resolve(file + ".report.json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(p) && !Files.exists(inbox.resolve(file)));
        try {
            return JSON.readTree(p.toFile());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String csv(String... rows) { return "email,first_name\n" + String.join("\n", rows) + "\n"; }

    static void awaitMembers(String audience, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> ReliabSupport.memberEmailHashes(fake, audience).size() == n);
    }

    @Test
    void emptyAndBinaryFilesGoToFailedWithAReason() throws Exception {
        ReliabSupport.drop(inbox, "Empty.csv", new byte[0]);
        assertThat(awaitReport(".failed", "Empty.csv").path("error").asText()).contains("empty");
        ReliabSupport.drop(inbox, "Blank.csv", "\n\n   \n".getBytes(StandardCharsets.UTF_8));
        assertThat(awaitReport(".failed", "Blank.csv").path("error").asText()).contains("empty");
        byte[] bin = new byte[4096];
        new Random(7).nextBytes(bin);
        bin[10] = 0;
        ReliabSupport.drop(inbox, "Binary.csv", bin);
        assertThat(awaitReport(".failed", "Binary.csv").path("error").asText()).contains("binary");
        ReliabSupport.drop(inbox, "NotArray.json", "{\"email\":\"notarray.person@example.com\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(awaitReport(".failed", "NotArray.json").path("error").asText()).contains("JSON array");
        ReliabSupport.drop(inbox, "NotGzip.csv.gz", csv("a@example.com,A").getBytes(StandardCharsets.UTF_8));
        assertThat(awaitReport(".failed", "NotGzip.csv.gz").path("error").asText()).contains("not gzip");
    }

    @Test
    void raggedRowsAreRejectedAloneWithTheirLineNumbers() throws Exception {
        ReliabSupport.drop(inbox, "Ragged.csv", csv("r1.person@example.com,A", "r2.person@example.com,B,extra,more", "r3.person@example.com,C",
                "r4.person@example.com", "r5.person@example.com,E").getBytes(StandardCharsets.UTF_8));
        JsonNode r = awaitReport(".done", "Ragged.csv");
        assertThat(r.path("accepted").asLong()).isEqualTo(3);
        assertThat(r.path("rejectReasons").path("ragged_row").asLong()).isEqualTo(2);
        assertThat(r.path("rejectLineSamples").path("ragged_row").toString()).isEqualTo("[3,5]");
        awaitMembers("Ragged", 3);
    }

    @Test
    void invalidUtf8RowIsRejectedAloneWithItsLineNumber() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(csv("u1.person@example.com,A").getBytes(StandardCharsets.UTF_8));
        b.writeBytes("u2.person@example.com,Ren".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
        b.writeBytes("\nu3.person@example.com,C\n".getBytes(StandardCharsets.UTF_8));
        ReliabSupport.drop(inbox, "Utf8.csv", b.toByteArray());
        JsonNode r = awaitReport(".done", "Utf8.csv");
        assertThat(r.path("accepted").asLong()).isEqualTo(2);
        assertThat(r.path("rejectLineSamples").path("invalid_utf8").toString()).isEqualTo("[3]");
        awaitMembers("Utf8", 2);
    }

    @Test
    void brokenQuoteStopsReadingAtItsLineAndTheRowsBeforeStillGo() throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) rows.add("q" + i + ".person@example.com,Q");
        rows.add("q5.person@example.com,\"Broken");
        for (int i = 6; i < 9; i++) rows.add("q" + i + ".person@example.com,Q");
        ReliabSupport.drop(inbox, "Quote.csv", csv(rows.toArray(new String[0])).getBytes(StandardCharsets.UTF_8));
        JsonNode r = awaitReport(".done", "Quote.csv");
        assertThat(r.path("status").asText()).isEqualTo("partial");
        assertThat(r.path("error").asText()).containsIgnoringCase("quote");
        assertThat(r.path("errorLine").asLong()).isEqualTo(7);
        assertThat(r.path("accepted").asLong()).isEqualTo(5);
        awaitMembers("Quote", 5);
    }

    @Test
    void truncatedGzipKeepsTheRowsReadBeforeTheCut() throws Exception {
        StringBuilder sb = new StringBuilder("email\n");
        for (int i = 0; i < 20000; i++) sb.append("gz").append(i).append(".person@example.com\n");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) { gz.write(sb.toString().getBytes(StandardCharsets.UTF_8)); }
        byte[] all = b.toByteArray();
        ReliabSupport.drop(inbox, "Trunc.csv.gz", Arrays.copyOf(all, all.length / 2));
        JsonNode r = awaitReport(".done", "Trunc.csv.gz");
        assertThat(r.path("status").asText()).isEqualTo("partial");
        assertThat(r.path("error").asText()).contains("truncated gzip");
        assertThat(r.path("errorLine").asLong()).isPositive();
        long accepted = r.path("accepted").asLong();
        assertThat(accepted).isBetween(1000L, 19999L);
        awaitMembers("Trunc", (int) accepted);
    }

    @Test
    void hugeLinesAreRejectedAloneAndTheServiceKeepsRunning(CapturedOutput log) throws Exception {
        String huge = "h".repeat(10 * 1024 * 1024);
        ReliabSupport.drop(inbox, "Huge.csv", csv("h1.person@example.com,A", huge + "@example.com,B", "h2.person@example.com,C")
                .getBytes(StandardCharsets.UTF_8));
        JsonNode r = awaitReport(".done", "Huge.csv");
        assertThat(r.path("accepted").asLong()).isEqualTo(2);
        assertThat(r.path("rejected").asLong()).isEqualTo(1);
        ReliabSupport.drop(inbox, "HugeNd.ndjson", ("{\"email\":\"n1.person@example.com\"}\n{\"email\":\"" + huge + "\"}\n{\"email\":\"n2.person@example.com\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        JsonNode n = awaitReport(".done", "HugeNd.ndjson");
        assertThat(n.path("accepted").asLong()).isEqualTo(2);
        assertThat(n.path("rejectLineSamples").toString()).contains("[2]");
        awaitMembers("Huge", 2);
        awaitMembers("HugeNd", 2);
        assertThat(log.getAll()).doesNotContain("hhhhhhhhhhhhhhhhhhhh");
    }

    @Test
    void parserMessagesNeverCarryRawValues(CapturedOutput log) throws Exception {
        String leak = "jane.leaky.doe";
        ReliabSupport.drop(inbox, "Leak.json", ("[{\"email\":\"l1.person@example.com\"},\n{\"email\": " + leak + "@example.com}]")
                .getBytes(StandardCharsets.UTF_8));
        JsonNode r = awaitReport(".done", "Leak.json");
        assertThat(r.path("status").asText()).isEqualTo("partial");
        assertThat(r.path("errorLine").asLong()).isEqualTo(2);
        ReliabSupport.drop(inbox, "Leak.csv", ("email,first_name\nl2.person@example.com,A\n\"" + leak + "\"x@example.com,B\n").getBytes(StandardCharsets.UTF_8));
        awaitReport(".done", "Leak.csv");
        ReliabSupport.drop(inbox, "LeakNd.ndjson", ("{\"email\": " + leak + "}\n").getBytes(StandardCharsets.UTF_8));
        awaitReport(".done", "LeakNd.ndjson");
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), List.of(leak, "l1.person@example.com", "l2.person@example.com"));
    }
}
