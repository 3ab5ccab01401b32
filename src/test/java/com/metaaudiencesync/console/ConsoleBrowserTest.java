package com.metaaudiencesync.console;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.InboxFiles;
import com.metaaudiencesync.fake.Fault;
import com.metaaudiencesync.meta.ApiVersions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser (Debian's headless Chromium through ChromeDriver) against the service in live
 * mode with the fake Graph API: the login (refused with a wrong password), a dropped file appearing with its
 * report and its audience's counts, a dead letter replayed with its button, a poll job run with Run now, and the
 * overview with its chart. Each page's screenshot lands in target/console-screenshots (copied to docs/).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:console-browser;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_5005",
        "spring.security.user.name=" + ConsoleBrowserTest.USER,
        "spring.security.user.password=" + ConsoleBrowserTest.PASSWORD,
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.batch-timeout=200ms",
        // small batches and chunks, one queued batch at a time: a 20 000-row file is read over seconds (progress bar)
        "sync.batch-size=500",
        "sync.chunk-size=500",
        "sync.file.max-queued-batches=1",
        "sync.send.probe-interval-millis=500",
        "sync.retry.initial-delay=50ms",
        "sync.retry.max-delay=200ms",
})
class ConsoleBrowserTest {
    static final String USER = "operator";
    static final String PASSWORD = "console-browser-pw-2f7";
    static final String TOKEN = "console-browser-token-6d0";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @TempDir static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        ConsoleFixtures.register(r, FAKE, TOKEN, dir, "crm-newsletter", "newsletter", "upsert", "newsletter.csv");
    }

    @AfterAll static void stop() { FAKE.close(); }

    @LocalServerPort int port;

    @Test
    @Order(1)
    void aWrongPasswordIsRefused() {
        try (Browser b = new Browser(port)) {
            b.login(USER, "not-the-password");
            b.waiting(10).until(ExpectedConditions.urlContains("/login?error"));
            assertThat(b.driver.findElement(By.cssSelector(".alert-danger")).getText()).contains("Invalid credentials");
            b.open("/console/files.html");
            b.waiting(10).until(ExpectedConditions.urlContains("/login"));
            assertThat(b.driver.findElements(By.id("files"))).isEmpty();
        }
    }

    @Test
    @Order(2)
    void aDroppedFileAppearsWithItsReportAndItsAudienceCounts() throws Exception {
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.waiting(10).until(ExpectedConditions.urlContains("/console/"));
            b.open("/console/files.html");
            b.await(By.id("files"), 10);
            InboxFiles.drop(dir, "spring-buyers.csv", "email,first_name\nann@buyers.example,Ann\nbob@buyers.example,Bob\ncy@buyers.example,Cy\nnot-an-email,Dee\n");
            WebElement row = b.await(By.cssSelector("tr[data-file='spring-buyers.csv']"), 20);
            // the report: 4 read, 3 accepted, 1 rejected (by reason), and Meta's count once the batch is acknowledged
            b.waiting(30).until(d -> d.findElement(By.cssSelector("tr[data-file='spring-buyers.csv'] .meta-counts")).getText().startsWith("3 /"));
            row = b.driver.findElement(By.cssSelector("tr[data-file='spring-buyers.csv']"));
            assertThat(row.findElement(By.cssSelector(".rows-read")).getText()).isEqualTo("4");
            assertThat(row.findElement(By.cssSelector(".rows-accepted")).getText()).isEqualTo("3");
            assertThat(row.findElement(By.cssSelector(".rows-rejected")).getText()).isEqualTo("1");
            assertThat(row.getText()).contains("done").contains("spring-buyers: add 3");
            assertThat(b.driver.getPageSource()).doesNotContain("ann@buyers.example");
            b.screenshot("console-files");

            b.open("/console/audiences.html");
            WebElement audience = b.await(By.cssSelector("tr[data-audience='spring-buyers']"), 10);
            assertThat(audience.findElement(By.cssSelector(".added")).getText()).isEqualTo("3");
            assertThat(audience.getText()).contains(FAKE.audienceIdByName("spring-buyers")).contains("fewer than 100 members");
            audience.findElement(By.tagName("button")).click();
            WebElement history = b.await(By.cssSelector("tr[data-history='spring-buyers']"), 10);
            assertThat(history.getText()).contains("add").contains("spring-buyers.csv");
            assertThat(b.driver.getPageSource()).doesNotContain("ann@buyers.example").doesNotContain("bob@buyers.example");
            b.screenshot("console-audiences");
        }
    }

    @Test
    @Order(3)
    void aDeadLetterIsReplayedWithItsButtonAndLeavesTheList() throws Exception {
        String id = FAKE.seedAudience("act_5005", "winback");
        FAKE.failNext("/" + id + "/users", 1, Fault.graphError(100, null, false, "(#100) Invalid parameter"));
        InboxFiles.drop(dir, "winback.csv", "email\nw1@winback.example\nw2@winback.example\n");
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.open("/console/dead-letters.html");
            WebElement row = b.await(By.cssSelector("tr[data-dead-letter]"), 30);
            String dead = row.getAttribute("data-dead-letter");
            assertThat(row.getText()).contains("winback").contains("#100");
            b.screenshot("console-dead-letters");
            b.clickConfirmed(By.cssSelector("button[data-replay='" + dead + "']"));
            b.waiting(15).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-dead-letter='" + dead + "']")));
            await().atMost(Duration.ofSeconds(20)).until(() -> FAKE.membership(id).size() == 2);
        }
    }

    @Test
    @Order(4)
    void aPollJobRunsWithRunNowAndItsRunShows() throws Exception {
        Files.writeString(dir.resolve("newsletter.csv"), "email\nn1@news.example\nn2@news.example\nn3@news.example\n");
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.open("/console/polls.html");
            WebElement job = b.await(By.cssSelector("div[data-job='crm-newsletter']"), 10);
            assertThat(job.getText()).contains("0 0 0 1 1 ? 2099").contains("next run 2099-01-01");
            b.clickConfirmed(By.cssSelector("button[data-run-now='crm-newsletter']"));
            b.waiting(30).until(d -> d.findElement(By.cssSelector("div[data-job='crm-newsletter'] tr[data-run]")).getText().contains("succeeded"));
            WebElement run = b.driver.findElement(By.cssSelector("div[data-job='crm-newsletter'] tr[data-run]"));
            assertThat(run.getText()).contains("manual").contains("3");
            assertThat(b.driver.getPageSource()).doesNotContain("n1@news.example");
            b.screenshot("console-polls");
        }
    }

    @Test
    @Order(5)
    void aFileBeingReadShowsAProgressBarThatMoves() throws Exception {
        StringBuilder big = new StringBuilder("email\n");
        for (int i = 0; i < 20_000; i++) big.append("reader").append(i).append("@progress.example\n");
        FAKE.setUsersLatency(Duration.ofMillis(150));
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.open("/console/files.html");
            b.await(By.id("files"), 10);
            InboxFiles.drop(dir, "progress-list.csv", big.toString());
            By reading = By.cssSelector("tr[data-file='progress-list.csv'] td.reading");
            By rowsRead = By.cssSelector("tr[data-file='progress-list.csv'] .rows-read");
            b.await(reading, 20);
            long first = Long.parseLong(b.driver.findElement(rowsRead).getText().replace(",", ""));
            b.screenshot("console-files-reading");
            // the page refreshes itself: the count of rows read grows while the bar is shown, up to the whole file
            b.waiting(60).until(d -> Long.parseLong(d.findElement(rowsRead).getText().replace(",", "")) > first);
            b.waiting(60).until(d -> d.findElements(reading).isEmpty()
                    && d.findElement(rowsRead).getText().equals("20,000"));
        } finally {
            FAKE.setUsersLatency(Duration.ZERO);
        }
    }

    @Test
    @Order(6)
    void theOverviewShowsTheModeTheAccountAndTheDeliveredRowsChart() {
        try (Browser b = Browser.loggedIn(port, USER, PASSWORD)) {
            b.waiting(10).until(ExpectedConditions.urlContains("/console/"));
            WebElement mode = b.await(By.id("overview-mode"), 10);
            assertThat(mode.getText()).isEqualTo("live");
            b.await(By.cssSelector("#chart .uplot canvas"), 10);
            b.waiting(10).until(d -> d.findElement(By.id("cards")).getText().contains("valid"));
            // the card labels are upper-cased by the stylesheet
            assertThat(b.driver.findElement(By.id("cards")).getText()).containsIgnoringCase("Graph API version").contains(ApiVersions.DEFAULT)
                    .containsIgnoringCase("Webhook events").contains("accepted").contains("token valid");
            assertThat(b.driver.findElement(By.id("attention")).getText()).isNotBlank();
            b.screenshot("console-overview");
        }
    }
}
