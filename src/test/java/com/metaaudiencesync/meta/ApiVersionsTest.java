package com.metaaudiencesync.meta;

import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The expiry table against fixed days, and the version notices read from Graph answers. */
class ApiVersionsTest {
    static final LocalDate TODAY = LocalDate.of(2026, 12, 7);

    @Test
    void defaultHasMoreThanSixMonthsLeftOrNoPublishedExpiry() {
        ApiVersions.Status s = ApiVersions.status(ApiVersions.DEFAULT, TODAY);
        assertThat(s.level()).isIn(ApiVersions.Level.OK, ApiVersions.Level.UNPUBLISHED);
        if (s.daysLeft() != null) assertThat(s.daysLeft()).isGreaterThan(183);
        // the default is at least v26.0 (v25.0 expires 2027-02-23)
        assertThat(Double.parseDouble(ApiVersions.DEFAULT.substring(1))).isGreaterThanOrEqualTo(26.0);
    }

    @Test
    void v25ExpiresWithin90DaysOfTheSeventhOfDecember2026() {
        ApiVersions.Status s = ApiVersions.status("v25.0", TODAY);
        assertThat(s.level()).isEqualTo(ApiVersions.Level.EXPIRING);
        assertThat(s.daysLeft()).isEqualTo(78);
        assertThat(s.message()).contains("2027-02-23").contains("in 78 days").contains("raise meta.api-version to v26.0");
        // 91 days before: still fine
        assertThat(ApiVersions.status("v25.0", LocalDate.of(2026, 11, 24)).level()).isEqualTo(ApiVersions.Level.OK);
        assertThat(ApiVersions.status("v25.0", LocalDate.of(2026, 11, 25)).level()).isEqualTo(ApiVersions.Level.EXPIRING);
    }

    @Test
    void retiredVersionsAndOlderOnesAreExpired() {
        assertThat(ApiVersions.status("v23.0", TODAY).level()).isEqualTo(ApiVersions.Level.EXPIRED);
        assertThat(ApiVersions.status("v23.0", TODAY).message()).contains("retired by Meta on 2026-06-09");
        assertThat(ApiVersions.status("v19.0", TODAY).level()).isEqualTo(ApiVersions.Level.EXPIRED);
        // v24.0: Meta gave only a month range; the message says so instead of a day
        ApiVersions.Status v24 = ApiVersions.status("v24.0", TODAY);
        assertThat(v24.level()).isEqualTo(ApiVersions.Level.EXPIRED);
        assertThat(v24.message()).contains("around October–November 2026").doesNotContain("on 2026-11-30");
    }

    @Test
    void versionsWithoutPublishedExpiryAreSaidToBeSo() {
        for (String v : List.of("v26.0", "v27.0", "v31.0")) {
            ApiVersions.Status s = ApiVersions.status(v, TODAY);
            assertThat(s.level()).as(v).isEqualTo(ApiVersions.Level.UNPUBLISHED);
            assertThat(s.daysLeft()).as(v).isNull();
            assertThat(s.message()).as(v).contains("has not published an expiry date for " + v);
        }
    }

    static GraphResponse answer(int status, String body, Map<String, List<String>> headers) {
        return new GraphResponse(status, HttpHeaders.of(headers, (k, v) -> true), body);
    }

    @Test
    void versionNoticesFromHeaderAndError2635() {
        assertThat(GraphErrorClassifier.versionNotice(answer(200, "{\"num_received\":2635}", Map.of()))).isNull();
        assertThat(GraphErrorClassifier.versionNotice(answer(400, "{\"error\":{\"code\":100,\"message\":\"2635\"}}", Map.of()))).isNull();
        assertThat(GraphErrorClassifier.versionNotice(answer(400, "{\"error\":{\"code\":2635,\"message\":\"deprecated\"}}", Map.of())))
                .startsWith(GraphErrorClassifier.VERSION_REFUSED);
        assertThat(GraphErrorClassifier.versionNotice(answer(200, "{\"success\":true}",
                Map.of("x-ad-api-version-warning", List.of("The call was upgraded to v26.0")))))
                .contains("X-Ad-Api-Version-Warning").contains("upgraded to v26.0");
        // the dead letter's reason of a #2635 says to raise the version
        Outcome o = GraphErrorClassifier.classify(answer(400, "{\"error\":{\"code\":2635,\"message\":\"deprecated\"}}", Map.of()));
        assertThat(o.kind()).isEqualTo(Outcome.Kind.PERMANENT);
        assertThat(o.message()).contains("raise meta.api-version");
    }
}
