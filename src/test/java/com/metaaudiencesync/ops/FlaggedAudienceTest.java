package com.metaaudiencesync.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.MetaAudienceSyncApplication;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An audience Meta flagged (operation_status 471, uploads answered 100/1713230): its batches are dead-lettered
 * with a plain reason after at most one request each, while another audience's file is delivered in full.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlaggedAudienceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOKEN = "test-token";
    static final String ADMIN = "Basic " + Base64.getEncoder().encodeToString("flag-admin:flag-admin-pw".getBytes(StandardCharsets.UTF_8));

    @TempDir static Path dir;
    FakeGraphApi fake;
    ConfigurableApplicationContext ctx;

    @BeforeAll
    void start() {
        fake = FakeGraphApi.start(TOKEN);
        String[] args = {
                "--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:flag-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "--sync.inbox=" + dir.resolve("inbox"),
                "--sync.outbox=" + dir.resolve("outbox"),
                "--meta.graph-url=" + fake.baseUrl(),
                "--meta.access-token=" + TOKEN,
                // live mode: the admin API needs the admin credentials
                "--spring.security.user.name=flag-admin", "--spring.security.user.password=flag-admin-pw",
                "--meta.ad-account-id=act_1",
                "--sync.batch-size=100",
                "--sync.retry.initial-delay=100ms",
                "--sync.retry.max-delay=500ms",
                "--sync.send.max-requests-per-second=1000",
                "--logging.level.root=WARN",
        };
        ctx = new SpringApplicationBuilder(MetaAudienceSyncApplication.class).run(args);
    }

    @AfterAll
    void stop() {
        if (ctx != null) ctx.close();
        if (fake != null) fake.close();
    }

    int port() { return Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port")); }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port() + path)).header("Authorization", ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    void drop(String name, String prefix, int n) throws Exception {
        StringBuilder sb = new StringBuilder("email\n");
        for (int i = 0; i < n; i++) sb.append(prefix).append(i).append("@example.com\n");
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Path tmp = dir.resolve(name + ".part");
        Files.writeString(tmp, sb);
        Files.move(tmp, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    JsonNode audience(String name) throws Exception {
        for (JsonNode a : JSON.readTree(get("/api/audiences").body())) if (name.equals(a.path("NAME").asText(a.path("name").asText()))) return a;
        return null;
    }

    @Test
    void aFlaggedAudienceIsDeadLetteredWithAPlainReasonWhileOthersKeepFlowing() throws Exception {
        String flaggedId = fake.seedAudience("act_1", "health-segment");
        String fineId = fake.seedAudience("act_1", "newsletter");
        fake.setFlagged(flaggedId, true);

        drop("health-segment.csv", "h", 500); // 5 batches of 100
        drop("newsletter.csv", "n", 500);

        await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(fineId).size() == 500
                && JSON.readTree(get("/api/dead-letters").body()).size() == 5);
        assertThat(fake.membership(flaggedId)).isEmpty();
        for (JsonNode d : JSON.readTree(get("/api/dead-letters").body())) {
            assertThat(d.path("CODE").asText(d.path("code").asText())).isEqualTo("audience_flagged");
            assertThat(d.path("REASON").asText(d.path("reason").asText())).contains("health or financial status").contains("Ads Manager")
                    .contains("replay");
            assertThat(d.path("ATTEMPTS").asInt(d.path("attempts").asInt())).isLessThanOrEqualTo(1);
        }
        List<RecordedRequest> toFlagged = new ArrayList<>();
        for (RecordedRequest r : fake.requests()) if (r.path().endsWith("/" + flaggedId + "/users")) toFlagged.add(r);
        assertThat(toFlagged).as("at most one try per batch, and none once the flag is known").isNotEmpty().hasSizeLessThanOrEqualTo(5);
        assertThat(toFlagged).allMatch(r -> r.errorCode() == 100);

        // visible in /api/audiences (operation_status read with the size refresh) and in the metrics
        ctx.getBean(AccountProbe.class).refreshSizes();
        JsonNode flagged = audience("health-segment");
        assertThat(flagged.path("flagged").asBoolean()).isTrue();
        assertThat(flagged.path("operation_status").path("code").asInt()).isEqualTo(471);
        JsonNode fine = audience("newsletter");
        assertThat(fine.path("flagged").asBoolean()).isFalse();
        assertThat(fine.path("operation_status").path("code").asInt()).isEqualTo(200);
        assertThat(get("/actuator/prometheus").body()).contains("mas_audiences_flagged 1.0")
                .contains("mas_dead_letter_batches_total{code=\"audience_flagged\"} 5.0");

        // the appeal succeeded: a replay delivers the rows and lifts the flag
        fake.setFlagged(flaggedId, false);
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port() + "/api/dead-letters/replay")).header("Authorization", ADMIN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(flaggedId).size() == 500);
        assertThat(audience("health-segment").path("flagged").asBoolean()).isFalse();
    }
}
