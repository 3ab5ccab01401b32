package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every peer vector that is not a {@link DeliberateDifferencesTest deliberate difference} must give exactly the
 * peer's wire cell. (DeliberateDifferencesTest also asserts that the two sets cover all vectors.)
 */
class PeerVectorsTest {

    static Stream<Arguments> agreeing() {
        if (!PeerVectors.available()) return Stream.of(Arguments.of((Object) null)); // one test that reports the skip
        return PeerVectors.load().stream()
                .filter(v -> !DeliberateDifferencesTest.IDS.contains(v.id()))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("agreeing")
    void agreesWithPeer(PeerVectors.Vector v) {
        Assumptions.assumeTrue(v != null, PeerVectors.missingMessage());
        assertEquals(v.peerCell(), v.ourCell(),
                () -> v.id() + " " + v.field() + " expect=" + v.expect() + " normalized='" + v.expectedNormalized()
                        + "' ours=" + PeerVectors.NORMALIZER.normalizeWithReason(
                                MetaKey.valueOf(v.field()), v.input(), null));
    }
}
