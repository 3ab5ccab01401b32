package com.metaaudiencesync.poll;

import com.metaaudiencesync.fake.FakeGraphApi;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static com.metaaudiencesync.poll.PollTestSupport.emails;
import static com.metaaudiencesync.poll.PollTestSupport.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the service (two application contexts, different ports) on one PostgreSQL database and one
 * inbox directory: a 2-second poll schedule runs each fire time once across both (clustered Quartz), and each
 * file dropped in the shared inbox is taken in once (claims in mas_intake); webhooks to both keep message ids and
 * member clocks right (see webhooksAcrossInstances).
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
                    } catch (IOException e) {
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
                webhooksAcrossInstances(a, b, db);

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

    /**
     * Webhooks on both instances, on PostgreSQL: a message id retried on the other instance is applied once, and
     * events for one member arriving out of order on both instances at once leave the member's clock at the newest
     * event (each instance's group commit reads clocks in one query and writes them guarded: a clock the other
     * instance moved meanwhile makes the request be decided again).
     */
    private void webhooksAcrossInstances(ConfigurableApplicationContext a, ConfigurableApplicationContext b, JdbcTemplate db) throws Exception {
        int[] ports = {Integer.parseInt(a.getEnvironment().getProperty("local.server.port")), Integer.parseInt(b.getEnvironment().getProperty("local.server.port"))};
        HttpClient http = HttpClient.newHttpClient();
        BiFunction<Integer, String, HttpResponse<String>> post = (port, body) -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/segment"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        BiFunction<Integer, String, String> identify = (minute, messageId) -> ("{\"type\":\"identify\",\"messageId\":\"" + messageId
                + "\",\"userId\":\"u-pg\",\"timestamp\":\"2024-05-01T13:%02d:00Z\",\"traits\":{\"email\":\"pg@example.com\",\"pg_aud\":"
                + (minute % 2 == 1) + "},\"context\":{\"personas\":{\"computation_key\":\"pg_aud\"}}}").formatted(minute);
        // the same message on both instances: applied once
        var first = post.apply(ports[0], identify.apply(1, "pg-dup"));
        var retry = post.apply(ports[1], identify.apply(1, "pg-dup"));
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).contains("\"accepted\":1");
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).contains("\"accepted\":0").contains("\"duplicates\":1");
        // 40 events for one member, minutes 2..41 shuffled, 20 threads, alternating instances
        List<Integer> minutes = new ArrayList<>(IntStream.range(2, 42).boxed().toList());
        Collections.shuffle(minutes, new Random(11));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < minutes.size(); i++) {
                int m = minutes.get(i), port = ports[i % 2];
                fs.add(pool.submit(() -> post.apply(port, identify.apply(m, "pg-" + m))));
            }
            for (var f : fs) assertThat(f.get().statusCode()).isEqualTo(202);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> clock = db.queryForMap("SELECT event_ts, action FROM mas_member_clock WHERE audience_key='name:pg_aud'");
        assertThat(((Number) clock.get("event_ts")).longValue()).isEqualTo(Instant.parse("2024-05-01T13:41:00Z").toEpochMilli());
        assertThat(clock.get("action")).isEqualTo("ADD");
    }

    private Map<String, String> props(EmbeddedPostgres pg, FakeGraphApi fake, PollTestSupport.SourceDb src, Path inbox, String instance) {
        Map<String, String> p = PollTestSupport.base(dir.resolve(instance), fake);
        p.put("spring.profiles.active", "postgres");
        p.put("spring.datasource.url", pg.getJdbcUrl("postgres", "postgres"));
        p.put("spring.datasource.username", "postgres");
        p.put("spring.datasource.password", "");
        p.put("sync.instance-id", instance);
        p.put("sync.webhook.allow-unauthenticated", "true"); // live mode (a token), webhooks below carry no credential
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
