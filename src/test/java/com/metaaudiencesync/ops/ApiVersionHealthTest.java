package com.metaaudiencesync.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import com.metaaudiencesync.fake.InboxFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * meta.api-version=v25.0 on 2026-12-07 (pinned clock), 78 days before Meta retires it: a start-up warning and a
 * health warning. Then the fake Graph API answers with X-Ad-Api-Version-Warning, then with #2635: health says in
 * plain words that meta.api-version must be raised (DOWN once Meta refuses calls).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:api-version-${random.uuid};DB_CLOSE_DELAY=-1",
        "meta.ad-account-id=act_4004",
        "meta.api-version=v25.0",
        "sync.batch-timeout=200ms",
        "sync.batch-flush-period-millis=100",
        "sync.file.read-lock-check-interval=100",
        "sync.file.poll-delay=100",
        "sync.retry.max-attempts=1",
})
class ApiVersionHealthTest {
    static final String TOKEN = "version-token-51d2";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;

    @TestConfiguration
    static class PinnedDay {
        @Bean Clock clock() { return Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC); }
    }

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        FakeGraphProperties.register(r, FAKE, TOKEN, dir);
    }

    @AfterAll static void stop() { FAKE.close(); }

    @Autowired TestRestTemplate http;

    JsonNode versionHealth() throws Exception {
        return JSON.readTree(http.getForEntity("/actuator/health", String.class).getBody()).path("components").path("metaApiVersion");
    }

    @Test
    void expiringVersionWarnsAtStartAndInHealthThenMetaNoticesSayRaiseIt(CapturedOutput output) throws Exception {
        assertThat(output.getAll()).contains("Graph API version: meta.api-version v25.0 expires on 2027-02-23 (in 78 days)")
                .contains("raise meta.api-version to v26.0 or newer");
        JsonNode h = versionHealth();
        assertThat(h.path("status").asText()).isEqualTo("UP");
        assertThat(h.path("details").path("apiVersion").asText()).isEqualTo("v25.0");
        assertThat(h.path("details").path("daysLeft").asLong()).isEqualTo(78);
        assertThat(h.path("details").path("warning").asText()).contains("raise meta.api-version");

        // a call Meta moved up: answered, with the warning header
        FAKE.warnVersion("v25.0", "v25.0 is deprecated; this call was served by v26.0");
        InboxFiles.drop(dir, "moved-up.csv", "email\nmoved.up@example.com\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> versionHealth().path("details").path("metaSays").asText().contains("must be raised"));
        h = versionHealth();
        assertThat(h.path("status").asText()).isEqualTo("UP");
        assertThat(h.path("details").path("metaSays").asText()).contains("X-Ad-Api-Version-Warning").contains("meta.api-version v25.0 must be raised");

        // Meta refuses the version: #2635
        FAKE.retireVersion("v25.0");
        InboxFiles.drop(dir, "refused.csv", "email\nrefused@example.com\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> "DOWN".equals(versionHealth().path("status").asText()));
        assertThat(versionHealth().path("details").path("metaSays").asText()).contains("#2635").contains("meta.api-version v25.0 must be raised");
        assertThat(output.getAll()).contains("Meta refused a call for its API version (#2635): meta.api-version v25.0 must be raised")
                .doesNotContain(TOKEN);
    }
}
