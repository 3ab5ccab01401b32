package com.metaaudiencesync.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real crash safety: the packaged jar as a separate process, killed with SIGKILL mid-file and mid-send,
 * restarted, and finally stopped with SIGTERM mid-send; the fake's membership must equal the file, with at most
 * the in-flight batches re-sent. Needs target/meta-audience-sync.jar: runs in failsafe after `package`.
 *
 * <p>Opt-in measurement ({@code -Dmas.killLoop=true}): 20 kill -9 restarts in a row on a 200 000-row file, figures
 * written to target/reliab-killloop.txt.
 */
class ReliabKillNineIT {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();

    @AfterAll
    static void stop() { fake.close(); }

    /** failsafe passes mas.jar (pom.xml); under surefire (e.g. -Dtest='Reliab*') the jar may not be built yet */
    @BeforeAll
    static void onlyAgainstThePackagedJar() {
        Assumptions.assumeTrue(System.getProperty("mas.jar") != null,
                "runs in failsafe after package (mvn verify), against target/meta-audience-sync.jar");
    }

    static Map<String, String> props(Path work, int batchSize) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("server.port", "0");
        // deliberately without WRITE_DELAY=0: the service must make H2 durable itself
        p.put("spring.datasource.url", "jdbc:h2:file:" + work.resolve("db/mas") + ";DB_CLOSE_ON_EXIT=FALSE");
        p.put("meta.graph-url", fake.baseUrl());
        p.put("meta.ad-account-id", ReliabSupport.ACCOUNT);
        p.put("sync.inbox", work.resolve("inbox").toString());
        p.put("sync.outbox", work.resolve("outbox").toString());
        p.put("sync.batch-size", String.valueOf(batchSize));
        p.put("sync.send.concurrency", "2");
        p.put("sync.send.max-requests-per-second", "50");
        p.put("sync.send.poll-interval-millis", "50");
        p.put("sync.file.poll-delay", "200");
        p.put("sync.file.read-lock-check-interval", "200");
        p.put("sync.retry.initial-delay", "100ms");
        p.put("sync.retry.max-delay", "1s");
        p.put("logging.file.name", work.resolve("service.log").toString());
        return p;
    }

    static List<String> writeFile(Path inbox, String name, int n) throws Exception {
        Files.createDirectories(inbox);
        return ReliabSupport.writeCsv(inbox, name, name.substring(0, name.indexOf('.')).toLowerCase(), n);
    }

    static long received(String audience) {
        String id = fake.audienceIdByName(audience);
        return id == null ? 0 : fake.receivedRowCount(id);
    }

    @Test
    void killMinus9MidFileAndMidSendThenSigtermDeliverEveryRow() throws Exception {
        Path work = ReliabSupport.tempDir("reliab-kill9");
        Path out = work.resolve("stdout.log");
        int n = 40_000, batch = 1000;
        fake.setUsersLatency(Duration.ofMillis(250));
        List<String> emails = writeFile(work.resolve("inbox"), "Crash.csv", n);
        Map<String, String> props = props(work, batch);
        int kills = 0;

        // 1: kill -9 as soon as the first batch reaches Meta: the file is normally still being read
        ServiceProcess p = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> received("Crash") > 0 || !p.alive());
        assertThat(p.alive()).as("service died by itself; see " + out).isTrue();
        boolean midFile = Files.exists(work.resolve("inbox/Crash.csv"));
        p.kill9();
        kills++;

        // 2: kill -9 mid-send
        ServiceProcess p2 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> received("Crash") >= n * 4L / 10 || !p2.alive());
        assertThat(p2.alive()).isTrue();
        p2.kill9();
        kills++;

        // 3: SIGTERM mid-send: exits within a bounded time (graceful: in-flight work finished or left durable)
        ServiceProcess p3 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> received("Crash") >= n * 7L / 10 || !p3.alive());
        long termMillis = p3.sigterm(75);
        assertThat(termMillis).as("SIGTERM exit time").isBetween(0L, 75_000L);

        // 4: the last run delivers the rest
        ServiceProcess p4 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ReliabSupport.memberEmailHashes(fake, "Crash").size() == n && Files.exists(work.resolve("inbox/.done/Crash.csv")));
        } finally {
            p4.sigterm(75);
        }
        assertThat(ReliabSupport.memberEmailHashes(fake, "Crash")).isEqualTo(ReliabSupport.hashes(emails));
        long duplicates = received("Crash") - n;
        System.out.printf("kill9 IT: midFile=%s kills=%d rows=%d received=%d duplicates=%d sigtermExitMs=%d%n",
                midFile, kills, n, received("Crash"), duplicates, termMillis);
        // at most the in-flight batches of each hard stop are re-sent (2 concurrent requests per kill, plus SIGTERM)
        assertThat(duplicates).isBetween(0L, (long) (kills + 1) * 2 * batch);
        // a crashed instance held at most one claim (concurrency x 2) of batches: the upper bound of what is re-sent
        Matcher m = Pattern.compile("(\\d+) batches this instance had in flight").matcher(Files.readString(out));
        while (m.find()) assertThat(Integer.parseInt(m.group(1))).as("batches INFLIGHT at a kill").isLessThanOrEqualTo(4);
        JsonNode report = JSON.readTree(work.resolve("inbox/.done/Crash.csv.report.json").toFile());
        assertThat(report.path("accepted").asLong()).isEqualTo(n);
        assertThat(report.path("rowsToMeta").asLong()).isEqualTo(n);
        // nothing the service wrote (log file, console, reports) holds the token or a raw value
        String log = Files.readString(work.resolve("service.log")) + Files.readString(out);
        ReliabSupport.assertNoSecrets(work.resolve("inbox"), log, emails.subList(0, 50));
        assertThat(log).doesNotContain(ReliabSupport.TOKEN);
        fake.setUsersLatency(Duration.ZERO);
    }

    /** Opt-in: 20 kill -9 at random moments (start-up, reading, sending) on a 200 000-row file, then a clean run. */
    @Test
    @EnabledIfSystemProperty(named = "mas.killLoop", matches = "true")
    void twentyKillsInARowOn200kRows() throws Exception {
        Path work = ReliabSupport.tempDir("reliab-killloop");
        Path out = work.resolve("stdout.log");
        int n = Integer.getInteger("mas.killLoop.rows", 200_000);
        int rounds = Integer.getInteger("mas.killLoop.kills", 20);
        fake.setUsersLatency(Duration.ofMillis(Integer.getInteger("mas.killLoop.latencyMs", 200)));
        List<String> emails = writeFile(work.resolve("inbox"), "Loop.csv", n);
        Map<String, String> props = props(work, 10_000);
        Random rnd = new Random(Long.getLong("mas.killLoop.seed", 4L));
        List<String> lines = new ArrayList<>();
        int maxAfterStart = Integer.getInteger("mas.killLoop.maxDelayMs", 5000);
        for (int i = 1; i <= rounds; i++) {
            long startedBefore = startedCount(out);
            ServiceProcess p = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
            String phase;
            long delay;
            if (rnd.nextInt(100) < 15) {
                // now and then during start-up
                delay = 500 + rnd.nextInt(7000);
                phase = "start-up+";
            } else {
                // mostly while working: a random moment after the service is up (reading, storing, sending, moving)
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> startedCount(out) > startedBefore || !p.alive());
                delay = rnd.nextInt(maxAfterStart);
                phase = "started+";
            }
            // a timed wait is the point here: the kill lands at a random moment
            await().pollDelay(Duration.ofMillis(delay)).atMost(Duration.ofMillis(delay + 1000)).until(() -> true);
            long before = received("Loop");
            p.kill9();
            String line = String.format("kill %2d at %s%5d ms: rows received by Meta so far %d, distinct members %d, file %s", i, phase, delay, before,
                    ReliabSupport.memberEmailHashes(fake, "Loop").size(), Files.exists(work.resolve("inbox/Loop.csv")) ? "in inbox" : "moved to .done");
            lines.add(line);
            System.out.println(line);
        }
        ServiceProcess last = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        try {
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500))
                    .until(() -> ReliabSupport.memberEmailHashes(fake, "Loop").size() >= n && Files.exists(work.resolve("inbox/.done/Loop.csv")));
        } finally {
            last.sigterm(75);
        }
        long distinct = ReliabSupport.memberEmailHashes(fake, "Loop").size();
        long received = received("Loop");
        boolean exact = ReliabSupport.memberEmailHashes(fake, "Loop").equals(ReliabSupport.hashes(emails));
        String summary = String.format("kill -9 loop: %d kills, rows accepted %d, rows delivered (distinct members) %d (%.4f%%), exact match %s,"
                + " rows sent in total %d, duplicates sent %d (%.2f%%)", rounds, n, distinct, 100.0 * distinct / n, exact, received,
                received - n, 100.0 * (received - n) / n);
        lines.add(summary);
        System.out.println(summary);
        Files.write(Path.of("target", "reliab-killloop.txt"), lines, StandardCharsets.UTF_8);
        String log = Files.readString(work.resolve("service.log")) + Files.readString(out);
        ReliabSupport.assertNoSecrets(work.resolve("inbox"), log, emails.subList(0, 50));
        assertThat(exact).isTrue();
        fake.setUsersLatency(Duration.ZERO);
    }

    static long startedCount(Path out) throws IOException {
        if (!Files.exists(out)) return 0;
        return ReliabSupport.count(Files.readString(out, StandardCharsets.ISO_8859_1), "Started MetaAudienceSyncApplication");
    }

    static long countFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) { return s.count(); }
    }
}
