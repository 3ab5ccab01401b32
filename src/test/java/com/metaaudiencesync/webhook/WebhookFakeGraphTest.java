package com.metaaudiencesync.webhook;

import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end against the fake Graph API: the same person sent as an inbox file row, as a native webhook
 * member and as a Segment identify arrives at Meta as exactly the same hashed row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:wh-fake-${random.uuid};DB_CLOSE_DELAY=-1",
        "sync.batch-timeout=200ms",
        "sync.batch-flush-period-millis=100",
        "meta.access-token=" + WebhookFakeGraphTest.TOKEN,
        "meta.ad-account-id=act_1001",
        // live mode without a webhook credential: webhooks stay open only with this
        "sync.webhook.allow-unauthenticated=true",
})
class WebhookFakeGraphTest {
    static final String TOKEN = "fake-token-webhook";
    static final FakeGraphApi FAKE = FakeGraphApi.start(TOKEN);
    static final Path DIR = Path.of("target/webhook-test/fake-" + UUID.randomUUID());

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        r.add("meta.graph-url", FAKE::baseUrl);
        r.add("sync.inbox", () -> DIR.resolve("inbox").toString());
        r.add("sync.outbox", () -> DIR.resolve("outbox").toString());
    }

    @AfterAll
    static void stop() { FAKE.close(); }

    @LocalServerPort int port;

    @Test
    void webhookRowsArriveHashedExactlyLikeFileRows() throws Exception {
        Path inbox = DIR.resolve("inbox");
        Files.createDirectories(inbox);
        Path tmp = inbox.resolve(".file-aud.csv.tmp");
        Files.writeString(tmp, "email,phone,first_name,last_name,city,zip,country,dob,gender,external_id\n"
                + "\" Ada.Lovelace@Example.COM \",+44 20 7946 0958,Ada,Lovelace,London,SW1A 1AA,GB,1815-12-10,female,u-ada\n");
        Files.move(tmp, inbox.resolve("file-aud.csv"), StandardCopyOption.ATOMIC_MOVE);

        Http http = new Http(port);
        assertThat(http.post("/webhooks/members", """
            {"audience":"hook-aud","action":"add","email":" Ada.Lovelace@Example.COM ","phone":"+44 20 7946 0958",
             "first_name":"Ada","last_name":"Lovelace","city":"London","zip":"SW1A 1AA","country":"GB",
             "dob":"1815-12-10","gender":"female","external_id":"u-ada"}
            """).statusCode()).isEqualTo(202);
        assertThat(http.post("/v1/identify", """
            {"type":"identify","userId":"u-ada","messageId":"%s","timestamp":"2024-05-01T10:00:00Z",
             "traits":{"email":" Ada.Lovelace@Example.COM ","phone":"+44 20 7946 0958","firstName":"Ada","lastName":"Lovelace",
                       "address":{"city":"London","postalCode":"SW1A 1AA","country":"GB"},"birthday":"1815-12-10","gender":"female",
                       "seg-aud":true},
             "context":{"personas":{"computation_class":"audience","computation_key":"seg-aud"}}}
            """.formatted(UUID.randomUUID())).statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                members("file-aud").size() == 1 && members("hook-aud").size() == 1 && members("seg-aud").size() == 1);
        Set<String> file = members("file-aud");
        assertThat(members("hook-aud")).isEqualTo(file);
        assertThat(members("seg-aud")).isEqualTo(file);
        String row = file.iterator().next();
        assertThat(row).contains(FakeGraphApi.sha256Hex("ada.lovelace@example.com")).contains("u-ada");
        assertThat(row).doesNotContain("Ada").doesNotContain("London");
    }

    @Test
    void nativeMembersPassLimitedDataUseThrough() throws Exception {
        Http http = new Http(port);
        long before = FAKE.lduRowCount();
        assertThat(http.post("/webhooks/members", """
            [{"audience":"ldu-hook","action":"add","email":"ldu1@hook.example",
              "data_processing_options":["LDU"],"data_processing_options_country":1,"data_processing_options_state":1000},
             {"audience":"ldu-hook","action":"add","email":"plain@hook.example"}]
            """).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> members("ldu-hook").size() == 2);
        assertThat(FAKE.lduRowCount() - before).isEqualTo(1);
        assertThat(FAKE.lastLdu()).isEqualTo("[\"LDU\"]|1|1000");
    }

    static Set<String> members(String name) {
        String id = FAKE.audienceIdByName(name);
        return id == null ? Set.of() : FAKE.membership(id);
    }
}
