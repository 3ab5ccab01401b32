package com.metaaudiencesync.ops;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With DEBUG logging everywhere (what --debug and a curious operator turn on), a file and a webhook go through
 * to Meta and nothing logged holds the token, the app secret, appsecret_proof or a raw identifier.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:debugmask;DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_3003",
        "sync.webhook.allow-unauthenticated=true", // live mode: the webhook below carries no credential
        "sync.batch-timeout=1s",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "logging.level.root=DEBUG",
        "logging.level.org.apache.camel=TRACE",
        "logging.level.com.metaaudiencesync=TRACE",
        "logging.level.org.apache.tomcat=INFO",
        "logging.level.org.apache.catalina=INFO",
        "logging.level.org.springframework.beans=INFO",
        "logging.level.org.springframework.core=INFO",
        "logging.level.org.springframework.context=INFO",
        "logging.level.org.springframework.boot.autoconfigure=INFO",
        "logging.level.com.zaxxer=INFO",
        // the test's own HTTP client and the fake Graph API server are not the service: they log what they send
        "logging.level.com.sun.net.httpserver=INFO",
        "logging.level.org.springframework.web.client=INFO",
        "logging.level.org.springframework.web.HttpLogging=INFO",
        "logging.level.org.springframework.boot.test=INFO"
})
class DebugLoggingMasksTest {
    static final String TOKEN = "debug-token-99e1c3";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN).setAppSecret("app-secret-debug-5511");

    @TempDir static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
        r.add("meta.app-secret", () -> "app-secret-debug-5511");
    }

    @AfterAll static void stop() { FAKE.close(); }

    @Autowired TestRestTemplate http;

    @Test
    void debugLogsNeverHoldTokensOrRawIdentifiers(CapturedOutput output) throws Exception {
        Files.createDirectories(dir.resolve("inbox"));
        Path tmp = dir.resolve("dbg.part");
        Files.writeString(tmp, "email,phone,first_name,last_name\nfile.person@debug.example,+1 650 555 0142,Zebulon,Quartermaine\n");
        Files.move(tmp, dir.resolve("inbox/debug-list.csv"), StandardCopyOption.ATOMIC_MOVE);
        HttpHeaders h = new HttpHeaders();
        h.setContentType(MediaType.APPLICATION_JSON);
        String body = "{\"type\":\"identify\",\"userId\":\"u-77\",\"traits\":{\"email\":\"hook.person@debug.example\",\"phone\":\"+44 20 7946 0321\","
                + "\"firstName\":\"Ottoline\",\"debug_list\":true},\"context\":{\"personas\":{\"computation_key\":\"debug_list\"}}}";
        assertThat(http.postForEntity("/webhooks/segment", new HttpEntity<>(body, h), String.class).getStatusCode().value()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> FAKE.audienceIdByName("debug-list") != null && FAKE.audienceIdByName("debug_list") != null
                && FAKE.membership(FAKE.audienceIdByName("debug-list")).size() == 1 && FAKE.membership(FAKE.audienceIdByName("debug_list")).size() == 1);
        String proof = FakeGraphApi.hmacSha256Hex("app-secret-debug-5511", TOKEN);
        String log = output.getAll();
        assertThat(log).contains("debug-list"); // the capture really holds the service's lines
        for (String secret : List.of(TOKEN, "app-secret-debug-5511", proof, "file.person@debug.example", "hook.person@debug.example",
                "6505550142", "650 555 0142", "2079460321", "7946 0321", "Zebulon", "Quartermaine", "Ottoline")) {
            assertThat(log).as("log must not contain a secret or raw identifier").doesNotContain(secret);
        }
    }
}
