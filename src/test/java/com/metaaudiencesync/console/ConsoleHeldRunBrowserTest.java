package com.metaaudiencesync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.InboxFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Approving a held poll run in the browser. The hold is the guard's (sync.guard.min-source-percent, default 50):
 * a mirror job's second run whose source shrank from 4 rows to 1 is held rather than removing 3 members; the
 * console shows it with its numbers and an Approve button, and approving lets the removal go to Meta. The same for a
 * {@code .replace} file that would shrink its audience from 4 members to 1 (sync.guard.max-removal-percent).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:console-held;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_6006",
        "spring.security.user.name=" + ConsoleHeldRunBrowserTest.USER,
        "spring.security.user.password=" + ConsoleHeldRunBrowserTest.PASSWORD,
        "sync.batch-timeout=200ms",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms",
})
class ConsoleHeldRunBrowserTest {
    static final String USER = "approver";
    static final String PASSWORD = "console-held-pw-81c";
    static final String TOKEN = "console-held-token-0b9";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        ConsoleFixtures.register(r, FAKE, TOKEN, dir, "vip-mirror", "vip-mirror", "mirror", "vip.csv");
    }

    @AfterAll static void stop() { FAKE.close(); }

    @LocalServerPort int port;

    /** the job's latest run as the admin API shows it */
    JsonNode latestRun() throws Exception {
        HttpResponse<String> r = new ConsoleHttp(port).get("/api/polls/vip-mirror/runs?limit=1", "Authorization", ConsoleHttp.basic(USER, PASSWORD));
        JsonNode runs = JSON.readTree(r.body());
        return runs.isEmpty() ? null : runs.get(0);
    }

    @Test
    void aHeldRunIsApprovedWithItsButton() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        String auth = ConsoleHttp.basic(USER, PASSWORD);
        Files.writeString(dir.resolve("vip.csv"), "email\nv1@vip.example\nv2@vip.example\nv3@vip.example\nv4@vip.example\n");
        assertThat(http.post("/api/polls/vip-mirror/run", null, "Authorization", auth).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.audienceIdByName("vip-mirror") != null
                && FAKE.membership(FAKE.audienceIdByName("vip-mirror")).size() == 4
                && latestRun() != null && "SUCCEEDED".equals(latestRun().path("outcome").asText()));

        // the source shrinks to a quarter: the guard holds the run instead of removing 3 of 4 members
        Files.writeString(dir.resolve("vip.csv"), "email\nv1@vip.example\n");
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.open("/console/polls.html");
            b.await(By.cssSelector("div[data-job='vip-mirror'] tr[data-run]"), 10);
            b.clickConfirmed(By.cssSelector("button[data-run-now='vip-mirror']"));
            WebElement approve = b.await(By.cssSelector("div[data-job='vip-mirror'] button[data-approve-run]"), 30);
            String runId = approve.getAttribute("data-approve-run");
            WebElement held = b.driver.findElement(By.cssSelector("div[data-job='vip-mirror'] tr[data-run='" + runId + "']"));
            assertThat(held.getText()).contains("held").contains("would remove 3 of 4");
            b.screenshot("console-polls-held");
            assertThat(FAKE.membership(FAKE.audienceIdByName("vip-mirror"))).hasSize(4);

            b.clickConfirmed(By.cssSelector("button[data-approve-run='" + runId + "']"));
            b.waiting(30).until(d -> d.findElements(By.cssSelector("button[data-approve-run='" + runId + "']")).isEmpty());
            await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.membership(FAKE.audienceIdByName("vip-mirror")).size() == 1);
        }
    }

    @Test
    void aHeldReplaceFileIsApprovedWithItsButton() throws Exception {
        InboxFiles.drop(dir, "club.day1.replace.csv", "email\nc1@club.example\nc2@club.example\nc3@club.example\nc4@club.example\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.audienceIdByName("club") != null
                && FAKE.membership(FAKE.audienceIdByName("club")).size() == 4);
        String id = FAKE.audienceIdByName("club");
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.open("/console/files.html");
            b.await(By.cssSelector("tr[data-file='club.day1.replace.csv']"), 10);
            InboxFiles.drop(dir, "club.day2.replace.csv", "email\nc1@club.example\n");
            WebElement held = b.await(By.cssSelector("tr[data-held-file='club.day2.replace.csv']"), 30);
            assertThat(held.getText()).contains("3").contains("4");
            b.screenshot("console-files-held");
            assertThat(FAKE.membership(id)).hasSize(4);
            b.clickConfirmed(By.cssSelector("tr[data-held-file='club.day2.replace.csv'] button[data-approve-file]"));
            b.waiting(30).until(d -> d.findElements(By.cssSelector("tr[data-held-file='club.day2.replace.csv']")).isEmpty());
            await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.membership(id).size() == 1);
        }
    }
}
