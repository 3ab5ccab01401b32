package com.metaaudiencesync.reliability;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.Fault;
import com.metaaudiencesync.fake.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every fault kind the fake can inject on the /users edge, with short retry delays: every row arrives, exactly
 * once except for the documented re-send of a request the client gave up on (slow reply past the timeout, which
 * the server still applied); retries are spaced as configured; the request ceilings per ad account hold.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:reliab-faults;DB_CLOSE_DELAY=-1",
        "sync.batch-size=100",
        "sync.retry.initial-delay=100ms",
        "sync.retry.max-delay=400ms",
        "sync.retry.max-attempts=20",
        "sync.send.concurrency=2",
        "sync.send.max-requests-per-second=10",
        "sync.send.request-timeout=700ms",
        "sync.send.poll-interval-millis=50",
        "sync.send.probe-interval-millis=60000",
        "sync.file.poll-delay=100",
        "sync.file.read-lock-check-interval=100",
})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ReliabFaultInjectionTest {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final Path inbox = ReliabSupport.tempDir("reliab-faults-inbox");
    static final Path outbox = ReliabSupport.tempDir("reliab-faults-outbox");

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        Map<String, String> p = new HashMap<>();
        ReliabSupport.common(p, fake, inbox, outbox);
        p.forEach((k, v) -> r.add(k, () -> v));
    }

    @AfterAll
    static void stop() { fake.close(); }

    @AfterEach
    void clean() {
        fake.clearFaults();
        fake.setUsersLatency(Duration.ZERO);
    }

    @Test
    void everyFaultKindStillDeliversEveryRowOnce(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Faults");
        String edge = "/" + id + "/users";
        String usage = Fault.bucUsageHeader("4242", 100, 0);
        fake.failNext(edge, 1, Fault.http429())
                .failNext(edge, 1, Fault.http500())
                .failNext(edge, 1, Fault.html502())
                .failNext(edge, 1, Fault.graphError(17, null, false, "(#17) User request limit reached"))
                .failNext(edge, 1, Fault.graphError(400, 80003, 2446079, true, "(#80003) too many calls").withHeader("X-Business-Use-Case-Usage", usage))
                .failNext(edge, 1, Fault.graphError(2650, 1870145, false, "(#2650) update in progress"))
                .failNext(edge, 1, Fault.dropConnection())
                .failNext(edge, 1, Fault.slow(Duration.ofMillis(1500)));
        List<String> emails = ReliabSupport.writeCsv(inbox, "Faults.csv", "faults", 1500);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReliabSupport.memberEmailHashes(fake, "Faults").size() == emails.size() && fake.pendingFaults() == 0
                        && Files.exists(inbox.resolve(".done/Faults.csv")));
        assertThat(ReliabSupport.memberEmailHashes(fake, "Faults")).isEqualTo(ReliabSupport.hashes(emails));

        List<RecordedRequest> users = ReliabSupport.userRequests(fake).stream().filter(r -> r.path().contains(id)).toList();
        assertThat(users.stream().filter(r -> r.outcome().startsWith("FAULT"))).hasSize(7);
        // the only re-sent rows: the request whose answer came after the client's timeout (the fake still applied it)
        long lateApplied = users.stream().filter(r -> r.outcome().startsWith("SLOW") && r.ok()).count();
        assertThat(lateApplied).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(fake.receivedRowCount(id)).isEqualTo(emails.size() + lateApplied * 100));
        assertThat(ReliabSupport.count(log.getAll(), "DEAD-LETTERED")).isZero();
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), sample(emails));
    }

    @Test
    void aThrottleWithAWaitPausesTheWholeAccountForThatLong(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Wait");
        String edge = "/" + id + "/users";
        // Meta says: wait 2 s (Retry-After; estimated_time_to_regain_access works the same, in minutes)
        fake.failNext(edge, 1, Fault.graphError(400, 80003, 2446079, true, "(#80003) too many calls").withHeader("Retry-After", "2"));
        List<String> emails = ReliabSupport.writeCsv(inbox, "Wait.csv", "wait", 600);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Wait").size() == 600);
        List<RecordedRequest> reqs = ReliabSupport.userRequests(fake).stream().filter(r -> r.path().contains(id)).toList();
        RecordedRequest throttled = reqs.stream().filter(r -> r.outcome().startsWith("FAULT")).findFirst().orElseThrow();
        Instant answered = throttled.receivedAt().plusNanos(throttled.serverMicros() * 1000);
        // no request of any batch of the account starts within Meta's wait (the one in flight on the other slot excepted)
        long early = reqs.stream().filter(r -> r.receivedAt().isAfter(answered.plusMillis(200)) && r.receivedAt().isBefore(answered.plusMillis(1900))).count();
        assertThat(early).isZero();
        assertThat(log.getAll()).contains("sending waits 2 s as Meta asks");
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), sample(emails));
    }

    @Test
    void retriesAreSpacedByExponentialBackoffWithJitter(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Spacing");
        fake.failNext("/" + id + "/users", 4, Fault.http500());
        List<String> emails = ReliabSupport.writeCsv(inbox, "Spacing.csv", "spacing", 50);
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Spacing").size() == 50);

        List<Instant> at = ReliabSupport.userRequests(fake).stream().filter(r -> r.path().contains(id)).map(RecordedRequest::receivedAt).toList();
        assertThat(at).hasSize(5);
        // initial-delay 100ms, doubling, capped at max-delay 400ms, jitter in [cap/2, cap]; + poll interval and processing slack
        long[] cap = {100, 200, 400, 400};
        for (int k = 0; k < 4; k++) {
            long gap = Duration.between(at.get(k), at.get(k + 1)).toMillis();
            assertThat(gap).as("gap before attempt %d", k + 2).isBetween(cap[k] / 2, cap[k] + 400);
        }
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), sample(emails));
    }

    @Test
    void concurrencyAndRequestRateStayUnderTheCeiling(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Ceiling");
        fake.setUsersLatency(Duration.ofMillis(150));
        List<String> emails = ReliabSupport.writeCsv(inbox, "Ceiling.csv", "ceiling", 2500);
        await().atMost(Duration.ofSeconds(60)).until(() -> ReliabSupport.memberEmailHashes(fake, "Ceiling").size() == emails.size());

        List<RecordedRequest> reqs = ReliabSupport.userRequests(fake).stream().filter(r -> r.path().contains(id)).toList();
        assertThat(reqs).hasSize(25);
        // at most sync.send.concurrency (2) requests overlap
        List<long[]> spans = new ArrayList<>();
        for (RecordedRequest r : reqs) {
            long start = r.receivedAt().toEpochMilli() * 1000 + r.receivedAt().getNano() / 1000 % 1000;
            spans.add(new long[]{start, start + r.serverMicros()});
        }
        int maxOverlap = 0;
        for (long[] s : spans) {
            int n = 0;
            for (long[] o : spans) if (o[0] <= s[0] && s[0] < o[1]) n++;
            maxOverlap = Math.max(maxOverlap, n);
        }
        assertThat(maxOverlap).isLessThanOrEqualTo(2);
        // at most max-requests-per-second (10) in any one-second window (+1 for the window edge)
        for (int i = 0; i < reqs.size(); i++) {
            Instant from = reqs.get(i).receivedAt();
            long inWindow = reqs.stream().filter(r -> !r.receivedAt().isBefore(from) && r.receivedAt().isBefore(from.plusSeconds(1))).count();
            assertThat(inWindow).isLessThanOrEqualTo(11);
        }
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), sample(emails));
    }

    @Test
    void replaceSessionSurvivesATransientErrorAfterBatchOne(CapturedOutput log) throws Exception {
        String id = fake.seedAudience(ReliabSupport.ACCOUNT, "Repl");
        String edge = "/" + id + "/usersreplace";
        // batch 1 goes through (a zero-delay "slow" fault is a pass-through), batch 2 gets a 500 once
        fake.failNext(edge, 1, Fault.slow(Duration.ZERO)).failNext(edge, 1, Fault.http500());
        List<String> emails = ReliabSupport.writeCsv(inbox, "Repl.replace.csv", "repl", 300);
        // Meta (and the fake) keep the first session open and refuse a new batch 1 meanwhile (2650/1870145):
        // only a retry of batch 2 in the same session completes the replace
        await().atMost(Duration.ofSeconds(30)).until(() -> ReliabSupport.memberEmailHashes(fake, "Repl").size() == 300);
        assertThat(ReliabSupport.memberEmailHashes(fake, "Repl")).isEqualTo(ReliabSupport.hashes(emails));
        List<RecordedRequest> reqs = ReliabSupport.userRequests(fake).stream().filter(r -> r.path().endsWith(edge)).toList();
        assertThat(reqs).extracting(RecordedRequest::outcome).noneMatch(o -> o.contains("1870145"));
        assertThat(reqs).hasSize(4);
        ReliabSupport.assertNoSecrets(inbox, log.getAll(), sample(emails));
    }

    static List<String> sample(List<String> emails) {
        List<String> s = new ArrayList<>(emails.subList(0, Math.min(20, emails.size())));
        s.add("650 555 0001");
        s.add("+16505550001");
        return s;
    }
}
