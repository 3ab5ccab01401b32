package com.metaaudiencesync.poll;

import com.metaaudiencesync.fake.FakeGraphApi;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.metaaudiencesync.poll.PollTestSupport.HTTP;
import static com.metaaudiencesync.poll.PollTestSupport.emails;
import static com.metaaudiencesync.poll.PollTestSupport.num;
import static com.metaaudiencesync.poll.PollTestSupport.port;
import static com.metaaudiencesync.poll.PollTestSupport.rows;
import static com.metaaudiencesync.poll.PollTestSupport.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;

/** A held run survives a restart (H2 file database): still held, and approving it afterwards removes the members. */
class PollGuardRestartTest {
    @TempDir Path dir;

    @Test
    void aHeldRunIsStillHeldAfterARestartAndApprovalThenWorks() throws Exception {
        try (FakeGraphApi fake = FakeGraphApi.start(PollTestSupport.TOKEN); PollTestSupport.SourceDb src = new PollTestSupport.SourceDb()) {
            Map<String, String> p = PollTestSupport.base(dir, fake);
            p.put("spring.datasource.url", "jdbc:h2:file:" + dir.resolve("db").resolve("mas") + ";DB_CLOSE_ON_EXIT=FALSE");
            p.put("sync.polls[0].name", "crm");
            p.put("sync.polls[0].cron", "0 0 0 1 1 ? 2099");
            p.put("sync.polls[0].audience", "crm-aud");
            p.put("sync.polls[0].mode", "mirror");
            p.put("sync.polls[0].source.type", "jdbc");
            p.put("sync.polls[0].source.url", src.url);
            p.put("sync.polls[0].source.username", "sa");
            p.put("sync.polls[0].source.query", "SELECT email FROM members ORDER BY id");

            List<String> all = emails("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
            List<String> few = new ArrayList<>(all.subList(0, 2));
            few.add("new@example.com"); // a new member: a held mirror run still adds it
            long heldId;
            ConfigurableApplicationContext ctx = PollTestSupport.start(p);
            try {
                src.set(all);
                assertThat(runAndWait(ctx, "crm").get("status")).isEqualTo("succeeded");
                src.set(few); // a wrong WHERE clause: 8 of 10 members would go
                Map<String, Object> held = runAndWait(ctx, "crm");
                assertThat(held.get("status")).isEqualTo("held");
                heldId = num(held, "id");
                String aud = fake.audienceIdByName("crm-aud");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(aud).size() == all.size() + 1);
            } finally {
                ctx.close();
            }
            String id = fake.audienceIdByName("crm-aud");
            List<String> allAndNew = new ArrayList<>(all);
            allAndNew.add("new@example.com");
            assertThat(fake.membership(id)).as("nothing removed, the add went").isEqualTo(rows(allAndNew));

            ConfigurableApplicationContext again = PollTestSupport.start(p);
            try {
                Map<String, Object> still = PollTestSupport.run(again, "crm", heldId);
                assertThat(still.get("status")).isEqualTo("held");
                assertThat(still.get("held")).isNotNull();
                HttpResponse<String> a = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(again) + "/api/polls/crm/runs/" + heldId + "/approve")).header("Authorization", PollTestSupport.BASIC)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(PollTestSupport.run(again, "crm", heldId).get("status")));
                assertThat(fake.membership(id)).isEqualTo(rows(few));
            } finally {
                again.close();
            }
        }
    }
}
