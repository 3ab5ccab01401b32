package com.metaaudiencesync.guard;

import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.Outcome;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/** The guard's arithmetic at its edges, and the classification of Meta's flagged-audience answers. */
class RemovalGuardTest {
    final RemovalGuard guard = new RemovalGuard(50, 50);

    @Test
    void removingExactlyTheLimitGoesAndOneMoreIsHeld() {
        assertThat(guard.check(150, 300, 300, 300L, true)).isNull();
        RemovalGuard.Hold h = guard.check(151, 300, 300, 300L, true);
        assertThat(h).isNotNull();
        assertThat(h.reason()).contains("would remove 151 of 300").contains("50.3 %");
        assertThat(h.wouldRemove()).isEqualTo(151);
        assertThat(h.knownMembers()).isEqualTo(300);
    }

    @Test
    void nothingKnownMeansNoRemovalRule() {
        assertThat(guard.check(1000, 0, 0, null, true)).isNull();
    }

    @Test
    void aShortSourceIsHeldOnlyWhenAskedAndOnlyAgainstAnEarlierRun() {
        assertThat(guard.check(0, 10, 50, 100L, true)).isNull();
        assertThat(guard.check(0, 10, 49, 100L, true).reason()).contains("the source returned 49 rows").doesNotContain("would remove");
        assertThat(guard.check(0, 10, 49, 100L, false)).as("delete jobs: a shorter removal list is not a danger").isNull();
        assertThat(guard.check(0, 10, 0, null, true)).as("no earlier successful run").isNull();
    }

    @Test
    void bothReasonsAreGivenWhenBothRulesHold() {
        assertThat(guard.check(300, 300, 0, 300L, true).reason()).contains("would remove 300 of 300").contains("; the source returned 0 rows");
    }

    @Test
    void theLimitsTurnOff() {
        RemovalGuard off = new RemovalGuard(100, 0);
        assertThat(off.check(300, 300, 0, 300L, true)).isNull();
    }

    @Test
    void flaggedAudienceAnswersArePermanentForTheAudienceNotTheAccount() {
        for (int sub : new int[] {1713228, 1713230, 1713231}) {
            String body = "{\"error\":{\"message\":\"(#100) Audience Upload Blocked\",\"type\":\"OAuthException\",\"code\":100,\"error_subcode\":" + sub + "}}";
            Outcome o = GraphErrorClassifier.classify(new GraphResponse(400, null, body));
            assertThat(o.kind()).isEqualTo(Outcome.Kind.PERMANENT);
            assertThat(o.pausesAccount()).isFalse();
            assertThat(GraphErrorClassifier.audienceFlagged(o)).isTrue();
            assertThat(o.message()).contains("health or financial status").contains("Ads Manager").contains("replay");
        }
        Outcome other = GraphErrorClassifier.classify(new GraphResponse(400, null, "{\"error\":{\"message\":\"bad\",\"code\":100,\"error_subcode\":33}}"));
        assertThat(GraphErrorClassifier.audienceFlagged(other)).isFalse();
    }
}
