package com.metaaudiencesync.console;

import com.metaaudiencesync.MetaAudienceSyncApplication;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without admin credentials: live mode closes the admin surface (401, and the log says how to open it), dry-run
 * leaves it open for the demo (and says so); webhooks and health answer in both.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConsoleSecurityClosedTest {
    static final String TOKEN = "console-closed-token-8a2";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);

    @TempDir Path dir;

    @AfterAll static void stop() { FAKE.close(); }

    ConfigurableApplicationContext start(String name, boolean live) {
        SpringApplicationBuilder b = new SpringApplicationBuilder(MetaAudienceSyncApplication.class);
        return b.run("--server.port=0", "--spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1",
                "--sync.inbox=" + dir.resolve("inbox"), "--sync.outbox=" + dir.resolve("outbox"),
                "--meta.graph-url=" + FAKE.baseUrl(), "--meta.ad-account-id=act_4004",
                live ? "--meta.access-token=" + TOKEN : "--sync.dry-run=true");
    }

    static int port(ConfigurableApplicationContext ctx) { return Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port")); }

    @Test
    void liveModeWithoutCredentialsIsClosedAndTheLogSaysHowToOpenIt(CapturedOutput out) throws Exception {
        try (ConfigurableApplicationContext ctx = start("console-closed", true)) {
            ConsoleHttp http = new ConsoleHttp(port(ctx));
            assertThat(http.get("/api/status").statusCode()).isEqualTo(401);
            assertThat(http.get("/api/polls", "Authorization", ConsoleHttp.basic("admin", "guess")).statusCode()).isEqualTo(401);
            assertThat(http.post("/api/dead-letters/replay", null, "Authorization", ConsoleHttp.basic("user", "")).statusCode()).isEqualTo(401);
            assertThat(http.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
            assertThat(out.getAll()).contains("is CLOSED (401)").contains("SPRING_SECURITY_USER_PASSWORD")
                    .doesNotContain("generated security password");
        }
    }

    @Test
    void dryRunWithoutCredentialsIsOpenAndWebhooksStillWork(CapturedOutput out) throws Exception {
        try (ConfigurableApplicationContext ctx = start("console-open", false)) {
            ConsoleHttp http = new ConsoleHttp(port(ctx));
            assertThat(http.get("/api/status").statusCode()).isEqualTo(200);
            assertThat(http.get("/api/console/overview").statusCode()).isEqualTo(200);
            assertThat(http.post("/api/dead-letters/replay", null).statusCode()).isEqualTo(200);
            assertThat(http.post("/webhooks/members", "{\"audience\":\"open-list\",\"action\":\"add\",\"email\":\"a@open.example\"}").statusCode())
                    .isEqualTo(202);
            assertThat(http.get("/actuator/prometheus").statusCode()).isEqualTo(200);
            assertThat(out.getAll()).contains("is OPEN without credentials because this is dry-run");
        }
    }
}
