package com.metaaudiencesync.console;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live mode (a Meta token) with admin credentials: the admin API answers 401 without them and 200 with them (HTTP
 * Basic, no CSRF token needed); health and Prometheus stay open; webhooks keep their own authentication even when
 * it comes as {@code Authorization: Basic} (a Segment write key); no generated password is ever printed.
 */
@ExtendWith(OutputCaptureExtension.class)
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:console-sec-live;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_3003",
        "spring.security.user.name=ops",
        "spring.security.user.password=s3cret-console-pw",
        "sync.webhook.write-key=seg-write-key-9",
})
class ConsoleSecurityLiveTest {
    static final String TOKEN = "console-live-token-4e1";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final String GOOD = ConsoleHttp.basic("ops", "s3cret-console-pw");

    @TempDir static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll static void stop() { FAKE.close(); }

    @LocalServerPort int port;

    @Test
    void adminApiNeedsTheCredentials() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        for (String path : new String[] {"/api/status", "/api/audiences", "/api/dead-letters", "/api/polls", "/api/console/overview"}) {
            assertThat(http.get(path).statusCode()).as(path + " without credentials").isEqualTo(401);
            assertThat(http.get(path, "Authorization", ConsoleHttp.basic("ops", "wrong")).statusCode()).as(path + " wrong password").isEqualTo(401);
            assertThat(http.get(path, "Authorization", GOOD).statusCode()).as(path + " with credentials").isEqualTo(200);
        }
        HttpResponse<String> status = http.get("/api/status", "Authorization", GOOD);
        assertThat(status.body()).contains("queuedBatches");
    }

    @Test
    void basicAuthenticatedPostsNeedNoCsrfTokenButAnonymousOnesAreRefused() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        assertThat(http.post("/api/dead-letters/replay", null).statusCode()).isEqualTo(401);
        HttpResponse<String> r = http.post("/api/dead-letters/replay", null, "Authorization", GOOD);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"replayed\":0");
        // a browser's cross-site form post carrying cached Basic credentials (it has an Origin) needs the CSRF token
        assertThat(http.post("/api/dead-letters/replay", null, "Authorization", GOOD, "Origin", "https://evil.example").statusCode()).isEqualTo(403);
    }

    @Test
    void aBrowserIsSentToTheLoginFormAndAScriptGetsABasicChallenge() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        HttpResponse<String> page = http.get("/console/", "Accept", "text/html,application/xhtml+xml");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElse("")).endsWith("/login");
        HttpResponse<String> api = http.get("/api/status", "Accept", "application/json");
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(api.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        HttpResponse<String> login = http.get("/login", "Accept", "text/html");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("password");
    }

    @Test
    void healthAndPrometheusStayOpen() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        assertThat(http.get("/actuator/health").statusCode()).isIn(200, 503);
        assertThat(http.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        HttpResponse<String> prom = http.get("/actuator/prometheus");
        assertThat(prom.statusCode()).isEqualTo(200);
        assertThat(prom.body()).contains("jvm_");
        assertThat(http.get("/actuator/metrics").statusCode()).as("other actuator endpoints are admin").isEqualTo(401);
    }

    @Test
    void webhooksKeepTheirOwnAuthenticationEvenAsHttpBasic() throws Exception {
        ConsoleHttp http = new ConsoleHttp(port);
        String event = "{\"type\":\"identify\",\"userId\":\"u-1\",\"messageId\":\"m-sec-1\",\"traits\":{\"sec_list\":true},"
                + "\"context\":{\"personas\":{\"computation_key\":\"sec_list\"}}}";
        assertThat(http.post("/v1/identify", event, "Authorization", ConsoleHttp.basic("seg-write-key-9", "")).statusCode()).isEqualTo(202);
        assertThat(http.post("/v1/identify", event, "Authorization", ConsoleHttp.basic("not-the-key", "")).statusCode()).isEqualTo(401);
        assertThat(http.post("/v1/identify", event, "Authorization", GOOD).statusCode()).as("admin credentials are no webhook credentials").isEqualTo(401);
    }

    @Test
    void noGeneratedPasswordIsPrintedAndTheLogSaysTheSurfaceIsProtected(CapturedOutput out) {
        assertThat(out.getAll()).doesNotContain("generated security password").doesNotContain("s3cret-console-pw");
    }
}
