package com.metaaudiencesync.poll;

import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static com.metaaudiencesync.poll.PollTestSupport.emails;
import static com.metaaudiencesync.poll.PollTestSupport.num;
import static com.metaaudiencesync.poll.PollTestSupport.rows;
import static com.metaaudiencesync.poll.PollTestSupport.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;

/** Sync modes against the fake Graph API, all jobs in one service instance (one start-up for the class). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PollModesTest {
    static final String NEVER = "0 0 0 1 1 ? 2099";

    @TempDir static Path dir;
    FakeGraphApi fake;
    ConfigurableApplicationContext ctx;
    PollTestSupport.SourceDb mirrorSrc, upsertSrc, optoutSrc, replaceSrc;
    FlakyHttpSource http;

    @BeforeAll
    void start() throws Exception {
        fake = FakeGraphApi.start(PollTestSupport.TOKEN);
        mirrorSrc = new PollTestSupport.SourceDb();
        upsertSrc = new PollTestSupport.SourceDb();
        optoutSrc = new PollTestSupport.SourceDb();
        replaceSrc = new PollTestSupport.SourceDb();
        http = new FlakyHttpSource();
        Map<String, String> p = PollTestSupport.base(dir, fake);
        // these cases shrink five-row audiences on purpose: the mass-removal guard is off here (PollGuardTest covers it)
        p.put("sync.guard.max-removal-percent", "100");
        p.put("sync.guard.min-source-percent", "0");
        job(p, 0, "mirror", "mirror-aud", "mirror", mirrorSrc);
        job(p, 1, "upsert", "upsert-aud", "upsert", upsertSrc);
        job(p, 2, "optout", "upsert-aud", "delete", optoutSrc);
        job(p, 3, "replace", "replace-aud", "replace", replaceSrc);
        p.put("sync.polls[4].name", "flaky");
        p.put("sync.polls[4].cron", NEVER);
        p.put("sync.polls[4].audience", "flaky-aud");
        p.put("sync.polls[4].mode", "mirror");
        p.put("sync.polls[4].source.type", "http");
        p.put("sync.polls[4].source.url", "http://127.0.0.1:" + http.port() + "/segment.csv");
        p.put("sync.polls[4].source.token", "source-secret");
        ctx = PollTestSupport.start(p);
    }

    private static void job(Map<String, String> p, int i, String name, String audience, String mode, PollTestSupport.SourceDb src) {
        p.put("sync.polls[" + i + "].name", name);
        p.put("sync.polls[" + i + "].cron", NEVER);
        p.put("sync.polls[" + i + "].audience", audience);
        p.put("sync.polls[" + i + "].mode", mode);
        p.put("sync.polls[" + i + "].source.type", "jdbc");
        p.put("sync.polls[" + i + "].source.url", src.url);
        p.put("sync.polls[" + i + "].source.username", "sa");
        p.put("sync.polls[" + i + "].source.query", "SELECT email FROM members ORDER BY id");
    }

    @AfterAll
    void stop() throws Exception {
        if (ctx != null) ctx.close();
        if (fake != null) fake.close();
        http.close();
        for (PollTestSupport.SourceDb s : List.of(mirrorSrc, upsertSrc, optoutSrc, replaceSrc)) s.close();
    }

    private long received(String audienceName) {
        String id = fake.audienceIdByName(audienceName);
        return id == null ? 0 : fake.receivedRowCount(id);
    }

    @Test
    void mirrorFollowsTheSourceOverThreeRunsWithMinimalChanges() throws Exception {
        List<String> v1 = emails("a", "b", "c", "d", "e");
        mirrorSrc.set(v1);
        Map<String, Object> r1 = runAndWait(ctx, "mirror");
        assertThat(r1.get("outcome")).isEqualTo("SUCCEEDED");
        String id = fake.audienceIdByName("mirror-aud");
        assertThat(fake.membership(id)).isEqualTo(rows(v1));
        assertThat(num(r1, "rowsRead")).isEqualTo(5);
        assertThat(num(r1, "rowsAdded")).isEqualTo(5);
        assertThat(num(r1, "rowsRemoved")).isZero();
        assertThat(r1.get("smallAudienceWarning")).asString().contains("fewer than the 100");
        assertThat(received("mirror-aud")).isEqualTo(5);

        List<String> v2 = emails("c", "d", "e", "f", "g");
        mirrorSrc.set(v2);
        long removesBefore = fake.removeRequestCount();
        Map<String, Object> r2 = runAndWait(ctx, "mirror");
        assertThat(r2.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(fake.membership(id)).isEqualTo(rows(v2));
        assertThat(num(r2, "rowsAdded")).isEqualTo(2);
        assertThat(num(r2, "rowsRemoved")).isEqualTo(2);
        assertThat(num(r2, "rowsUnchanged")).isEqualTo(3);
        assertThat(received("mirror-aud")).as("only the 2 adds and 2 removes are sent").isEqualTo(5 + 4);
        assertThat(fake.removeRequestCount() - removesBefore).isEqualTo(1);

        List<String> v3 = emails("c", "f", "g", "h", "C");  // "C@example.com" normalizes to c@: a duplicate row
        mirrorSrc.set(v3);
        Map<String, Object> r3 = runAndWait(ctx, "mirror");
        assertThat(r3.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("c", "f", "g", "h")));
        assertThat(num(r3, "rowsRead")).isEqualTo(5);
        assertThat(num(r3, "rowsDistinct")).isEqualTo(4);
        assertThat(num(r3, "rowsAdded")).isEqualTo(1);
        assertThat(num(r3, "rowsRemoved")).isEqualTo(2);
        assertThat(received("mirror-aud")).isEqualTo(9 + 3);
        assertThat(num(r3, "audienceSize")).isEqualTo(4);

        // nothing changed: nothing is sent
        Map<String, Object> r4 = runAndWait(ctx, "mirror");
        assertThat(r4.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(num(r4, "batchesTotal")).isZero();
        assertThat(received("mirror-aud")).isEqualTo(12);
    }

    @Test
    void sourceFailingMidReadRemovesNothingAndKeepsState() throws Exception {
        http.body = "email\n" + String.join("\n", emails("a", "b", "c", "d", "e")) + "\n";
        http.truncate = false;
        Map<String, Object> r1 = runAndWait(ctx, "flaky");
        assertThat(r1.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(http.lastAuthorization).isEqualTo("Bearer source-secret");
        String id = fake.audienceIdByName("flaky-aud");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "c", "d", "e")));
        PollStore store = ctx.getBean(PollStore.class);
        long stateBefore = store.stateCount("flaky", "name:flaky-aud");
        long receivedBefore = received("flaky-aud");

        // the connection drops after two rows: had the run gone on, c, d and e would have been removed
        http.body = "email\n" + String.join("\n", emails("a", "b", "x", "y", "z")) + "\n";
        http.truncate = true;
        Map<String, Object> r2 = runAndWait(ctx, "flaky");
        assertThat(r2.get("outcome")).isEqualTo("FAILED");
        assertThat(r2.get("error")).asString().contains("source read failed");
        assertThat(num(r2, "rowsRemoved")).isZero();
        assertThat(num(r2, "batchesTotal")).isZero();
        assertThat(received("flaky-aud")).as("nothing sent").isEqualTo(receivedBefore);
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "c", "d", "e")));
        assertThat(store.stateCount("flaky", "name:flaky-aud")).isEqualTo(stateBefore);

        // the source is whole again: the mirror catches up
        http.truncate = false;
        Map<String, Object> r3 = runAndWait(ctx, "flaky");
        assertThat(r3.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "x", "y", "z")));
    }

    @Test
    void upsertSendsOnlyNewRowsAndDeleteRemovesTheSourceRows() throws Exception {
        upsertSrc.set(emails("a", "b", "c"));
        Map<String, Object> r1 = runAndWait(ctx, "upsert");
        assertThat(r1.get("outcome")).isEqualTo("SUCCEEDED");
        String id = fake.audienceIdByName("upsert-aud");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "c")));

        upsertSrc.set(emails("a", "b", "c", "d"));
        Map<String, Object> r2 = runAndWait(ctx, "upsert");
        assertThat(num(r2, "rowsAdded")).isEqualTo(1);
        assertThat(num(r2, "rowsUnchanged")).isEqualTo(3);
        assertThat(received("upsert-aud")).isEqualTo(4);
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "c", "d")));

        upsertSrc.set(emails("d"));
        Map<String, Object> r3 = runAndWait(ctx, "upsert");
        assertThat(num(r3, "rowsAdded")).isZero();
        assertThat(num(r3, "rowsRemoved")).isZero();
        assertThat(num(r3, "batchesTotal")).isZero();
        assertThat(fake.membership(id)).as("upsert never removes").isEqualTo(rows(emails("a", "b", "c", "d")));

        optoutSrc.set(emails("b", "zz"));
        Map<String, Object> r4 = runAndWait(ctx, "optout");
        assertThat(r4.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(num(r4, "rowsRemoved")).isEqualTo(2);
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "c", "d")));
    }

    @Test
    void replaceUsesOneSessionAndResetsTheState() throws Exception {
        replaceSrc.set(emails("a", "b", "c"));
        Map<String, Object> r1 = runAndWait(ctx, "replace");
        assertThat(r1.get("outcome")).isEqualTo("SUCCEEDED");
        String id = fake.audienceIdByName("replace-aud");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("a", "b", "c")));
        long replaces = fake.replaceRequestCount();
        assertThat(replaces).isGreaterThanOrEqualTo(1);

        replaceSrc.set(emails("c", "d"));
        long removesBefore = fake.removeRequestCount();
        Map<String, Object> r2 = runAndWait(ctx, "replace");
        assertThat(r2.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(fake.membership(id)).isEqualTo(rows(emails("c", "d")));
        assertThat(fake.replaceRequestCount()).isEqualTo(replaces + 1);
        assertThat(fake.removeRequestCount()).as("usersreplace, not removes").isEqualTo(removesBefore);
        assertThat(ctx.getBean(PollStore.class).stateCount("replace", "name:replace-aud")).isEqualTo(2);
    }

    /** A raw HTTP server: serves a CSV body, or declares its full length and drops the connection half-way. */
    static final class FlakyHttpSource extends RawHttpSource {
        volatile boolean truncate;
        volatile String lastAuthorization;

        FlakyHttpSource() throws IOException { super("flaky-http-source"); }

        @Override
        void respond(String head, OutputStream out) throws IOException {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("authorization:")) lastAuthorization = line.substring(14).trim();
            }
            byte[] data = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\nContent-Length: " + data.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            int n = truncate ? body.indexOf('\n', body.indexOf('\n', body.indexOf('\n') + 1) + 1) + 1 : data.length;
            out.write(data, 0, n);
        }
    }
}
