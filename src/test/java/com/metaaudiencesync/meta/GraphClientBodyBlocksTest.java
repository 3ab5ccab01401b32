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

        // a failed request: its blocks are not taken back (the client may still hold them)
        int before = client.spareBlocks();
        fake.failNext(1, Fault.http500());
        Payload p = batch("failed", 3000);
        GraphResponse failed = client.postJson(audience + "/users", g -> RequestBodies.payload(g, p, null));
        assertThat(failed.status()).isEqualTo(500);
        assertThat(client.spareBlocks()).as("the failed body's blocks were taken from the spares and not given back").isLessThan(before);
    }
}
