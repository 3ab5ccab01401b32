package com.metaaudiencesync.meta;

import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.fake.Fault;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.normalize.Sha256;
import com.metaaudiencesync.send.RequestBodies;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the reuse of request body blocks: blocks of a request Meta answered are reused by the next requests, and
 * every body still arrives intact (a block reused while still being sent would corrupt rows); blocks of a
 * failed request are not reused.
 */
class GraphClientBodyBlocksTest {
    FakeGraphApi fake = FakeGraphApi.start("tok-blocks");

    @AfterEach
    void stop() { fake.close(); }

    private static Payload batch(String tag, int rows) {
        List<String[]> l = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            String[] r = new String[MetaKey.COUNT];
            java.util.Arrays.fill(r, "");
            r[MetaKey.EMAIL.ordinal()] = Sha256.hex(tag + "-" + i + "@example.com");
            r[MetaKey.PHONE.ordinal()] = Sha256.hex("1555" + tag.hashCode() + i);
            l.add(r);
        }
        return BatchCodec.encodePayload(l);
    }

    private static Set<String> cells(Set<String> members) {
        Set<String> out = new HashSet<>();
        for (String m : members) for (String c : m.split("\\|")) if (!c.isEmpty()) out.add(c);
        return out;
    }

    @Test
    void blocksOfAnsweredRequestsAreReusedAndEveryBodyArrivesIntact() throws Exception {
        MetaProperties meta = new MetaProperties();
        meta.setGraphUrl(fake.baseUrl());
        meta.setAccessToken("tok-blocks");
        meta.setAdAccountId("act_77");
        GraphClient client = new GraphClient(meta, Duration.ofSeconds(5), Duration.ofSeconds(30));
        String audience = fake.seedAudience("act_77", "blocks");
        Set<String> expected = new HashSet<>();

        int sparesAfterFirst = -1;
        for (int k = 0; k < 4; k++) {
            Payload p = batch("b" + k, 3000); // ≈ 0.4 MB of JSON: several 64 KB blocks
            for (String[] row : BatchCodec.decode(p)) {
                expected.add(row[MetaKey.EMAIL.ordinal()]);
                expected.add(row[MetaKey.PHONE.ordinal()]);
            }
            GraphResponse r = client.postJson(audience + "/users", g -> RequestBodies.payload(g, p, null));
            assertThat(r.status()).as("request %d: %s", k, r.body()).isEqualTo(200);
            if (k == 0) sparesAfterFirst = client.spareBlocks();
        }
        assertThat(sparesAfterFirst).as("blocks kept after the first answered request").isGreaterThan(3);
        assertThat(cells(fake.membership(audience))).as("every row of every body, nothing corrupted").isEqualTo(expected);

        // a failed request: the calling thread wrote the whole body before the answer, so its blocks are free too,
        // and the next body (made of them) still arrives intact
        int before = client.spareBlocks();
        fake.failNext(1, Fault.http500());
        Payload p = batch("failed", 3000);
        GraphResponse failed = client.postJson(audience + "/users", g -> RequestBodies.payload(g, p, null));
        assertThat(failed.status()).isEqualTo(500);
        assertThat(client.spareBlocks()).as("the failed body's blocks are back").isEqualTo(before);
        Payload again = batch("again", 3000);
        for (String[] row : BatchCodec.decode(again)) {
            expected.add(row[MetaKey.EMAIL.ordinal()]);
            expected.add(row[MetaKey.PHONE.ordinal()]);
        }
        assertThat(client.postJson(audience + "/users", g -> RequestBodies.payload(g, again, null)).status()).isEqualTo(200);
        assertThat(cells(fake.membership(audience))).isEqualTo(expected);
    }

    /**
     * The request timeout is a deadline for the whole exchange, also while the body is being written: against a
     * server that never answers, the call ends with a timeout (an IOException the classifier calls a timeout).
     */
    @Test
    void aRequestThatOutlivesItsTimeoutEndsWithATimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            MetaProperties meta = new MetaProperties();
            meta.setGraphUrl("http://127.0.0.1:" + silent.getLocalPort());
            meta.setAccessToken("tok-blocks");
            meta.setAdAccountId("act_77");
            GraphClient client = new GraphClient(meta, Duration.ofSeconds(2), Duration.ofMillis(700));
            Payload p = batch("big", 100_000); // ≈ 18 MB of JSON: more than the socket buffers take, so the write blocks
            long t0 = System.nanoTime();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> client.postJson("123/users", g -> RequestBodies.payload(g, p, null)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(GraphErrorClassifier.classify(e).code()).isEqualTo("timeout");
            assertThat(ms).as("ended at the deadline, not after a read timeout of its own").isBetween(600L, 10_000L);
        }
    }
}
