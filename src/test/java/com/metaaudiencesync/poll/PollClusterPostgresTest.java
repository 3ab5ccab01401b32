package com.metaaudiencesync.poll;

import com.metaaudiencesync.fake.FakeGraphApi;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.metaaudiencesync.poll.PollTestSupport.emails;
import static com.metaaudiencesync.poll.PollTestSupport.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the service (two application contexts, different ports) on one PostgreSQL database and one
 * inbox directory: a 2-second poll schedule runs each fire time once across both (clustered Quartz), and each
 * file dropped in the shared inbox is taken in once (claims in mas_intake).
 */
class PollClusterPostgresTest {
    @TempDir Path dir;

    @Test
    void oneScheduleAndOneInboxAcrossTwoInstances() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
             FakeGraphApi fake = FakeGraphApi.start(PollTestSupport.TOKEN);
             PollTestSupport.SourceDb src = new PollTestSupport.SourceDb()) {
            src.set(emails("a", "b", "c"));
            Path inbox = Files.createDirectories(dir.resolve("shared-inbox"));
            ConfigurableApplicationContext a = null, b = null;
            try {
                a = PollTestSupport.start(props(pg, fake, src, inbox, "A"));
                b = PollTestSupport.start(props(pg, fake, src, inbox, "B"));
                long bothUp = System.currentTimeMillis();

                // one shared inbox: 12 files, each taken in by exactly one of the two
                for (int i = 1; i <= 12; i++) {
                    Path tmp = inbox.resolve(".f" + i + ".csv.tmp");
                    Files.writeString(tmp, "email,audience\nfile" + i + "@example.com,inbox-aud\n");
                    Files.move(tmp, inbox.resolve("f" + i + ".csv"));
                }

                JdbcTemplate db = a.getBean(JdbcTemplate.class);
                // several fire times with both instances up
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                        db.queryForObject("SELECT COUNT(*) FROM mas_poll_run WHERE job='cluster' AND scheduled_at>? AND status<>'RUNNING'",
                                Long.class, bothUp + 2000) >= 5);
                List<Map<String, Object>> runs = db.queryForList("SELECT id, scheduled_at, instance_id, status FROM mas_poll_run WHERE job='cluster' ORDER BY id");
                List<Object> fireTimes = runs.stream().map(r -> r.get("scheduled_at")).toList();
                assertThat(new HashSet<>(fireTimes)).as("each fire time runs once across both instances: %s", runs).hasSize(fireTimes.size());
                assertThat(runs).allSatisfy(r -> assertThat(r.get("status")).isIn("SUCCEEDED", "SKIPPED", "SENDING", "RUNNING"));
                String audience = fake.audienceIdByName("cluster-aud");
                await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(audience).equals(rows(emails("a", "b", "c"))));
                assertThat(fake.receivedRowCount(audience)).as("upsert: the three rows were sent once").isEqualTo(3);
                assertThat(fake.createCount("cluster-aud")).isEqualTo(1);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    try (Stream<Path> s = Files.list(inbox.resolve(".done"))) {
                        return s.filter(p -> p.toString().endsWith(".csv")).count() == 12;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                List<String> expected = new ArrayList<>();
                for (int i = 1; i <= 12; i++) expected.add("file" + i + "@example.com");
                String inboxAud = fake.audienceIdByName("inbox-aud");
                await().atMost(Duration.ofSeconds(30)).until(() -> fake.membership(inboxAud).equals(rows(expected)));
                assertThat(fake.receivedRowCount(inboxAud)).as("each file's row reached Meta once").isEqualTo(12);
                List<Map<String, Object>> intakes = db.queryForList("SELECT file_name, status, batches_total FROM mas_intake");
                assertThat(intakes).hasSize(12).allSatisfy(r -> {
                    assertThat(r.get("status")).isEqualTo("DONE");
                    assertThat(((Number) r.get("batches_total")).intValue()).isEqualTo(1);
                });
                // the instance that ran the schedule stops: the other one goes on with it
                String busiest = runs.stream().collect(Collectors.groupingBy(r -> (String) r.get("instance_id"), Collectors.counting()))
                        .entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
                ConfigurableApplicationContext survivor = "A".equals(busiest) ? b : a;
                if ("A".equals(busiest)) { a.close(); a = null; } else { b.close(); b = null; }
                String other = "A".equals(busiest) ? "B" : "A";
                JdbcTemplate db2 = survivor.getBean(JdbcTemplate.class);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                        db2.queryForObject("SELECT COUNT(*) FROM mas_poll_run WHERE job='cluster' AND instance_id=? AND status<>'RUNNING'",
                                Long.class, other) >= 2);
                runs = db2.queryForList("SELECT id, scheduled_at, instance_id, status FROM mas_poll_run WHERE job='cluster' ORDER BY id");
                List<Object> allFireTimes = runs.stream().map(r -> r.get("scheduled_at")).toList();
                assertThat(new HashSet<>(allFireTimes)).hasSize(allFireTimes.size());
                Set<Object> instances = runs.stream().map(r -> r.get("instance_id")).collect(Collectors.toSet());
                System.out.println("poll runs per instance: " + runs.stream().collect(Collectors.groupingBy(r -> r.get("instance_id"), Collectors.counting()))
                        + " (instances seen: " + instances + ")");
            } finally {
                if (b != null) b.close();
                if (a != null) a.close();
            }
        }
    }

    private Map<String, String> props(EmbeddedPostgres pg, FakeGraphApi fake, PollTestSupport.SourceDb src, Path inbox, String instance) {
        Map<String, String> p = PollTestSupport.base(dir.resolve(instance), fake);
        p.put("spring.profiles.active", "postgres");
        p.put("spring.datasource.url", pg.getJdbcUrl("postgres", "postgres"));
        p.put("spring.datasource.username", "postgres");
        p.put("spring.datasource.password", "");
        p.put("sync.instance-id", instance);
        p.put("sync.inbox", inbox.toString());
        p.put("sync.poll.cluster-checkin-interval", "1000ms");
        p.put("sync.polls[0].name", "cluster");
        p.put("sync.polls[0].cron", "0/2 * * * * ?");
        p.put("sync.polls[0].audience", "cluster-aud");
        p.put("sync.polls[0].mode", "upsert");
        p.put("sync.polls[0].source.type", "jdbc");
        p.put("sync.polls[0].source.url", src.url);
        p.put("sync.polls[0].source.username", "sa");
        p.put("sync.polls[0].source.query", "SELECT email FROM members");
        return p;
    }
}
