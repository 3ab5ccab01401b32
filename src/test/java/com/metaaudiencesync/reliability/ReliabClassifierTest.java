package com.metaaudiencesync.reliability;

import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.meta.Outcome.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Pins the classification of every Graph answer (issue #4 §1, meta-api.md §4): one table, one place. */
class ReliabClassifierTest {

    private static GraphResponse error(int status, int code, Integer sub, boolean isTransient, Map<String, String> headers) {
        String body = "{\"error\":{\"message\":\"m\",\"type\":\"OAuthException\",\"code\":" + code
                + (sub == null ? "" : ",\"error_subcode\":" + sub) + ",\"is_transient\":" + isTransient + ",\"fbtrace_id\":\"x\"}}";
        return new GraphResponse(status, headers(headers), body);
    }

    private static HttpHeaders headers(Map<String, String> h) {
        return HttpHeaders.of(h.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))), (a, b) -> true);
    }

    @ParameterizedTest(name = "code {0}/{1} transient={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            // throttling: wait and retry
            "4,null,false,THROTTLE", "17,null,false,THROTTLE", "17,2446079,true,THROTTLE", "32,null,false,THROTTLE",
            "613,null,false,THROTTLE", "613,1487742,false,THROTTLE", "80000,null,false,THROTTLE", "80003,2446079,true,THROTTLE",
            "80004,null,false,THROTTLE", "80014,null,false,THROTTLE", "2650,1870145,false,THROTTLE",
            // transient: retry with backoff
            "1,null,false,TRANSIENT", "2,null,false,TRANSIENT", "341,null,false,TRANSIENT", "999,null,true,TRANSIENT",
            "2650,1870148,false,TRANSIENT",
            // permanent: dead letter
            "100,null,false,PERMANENT", "100,33,false,PERMANENT", "2650,null,false,PERMANENT", "2650,1870144,false,PERMANENT",
            "2650,1870158,false,PERMANENT", "2650,1870159,false,PERMANENT", "2654,null,false,PERMANENT", "2656,null,false,PERMANENT",
            "105,null,false,PERMANENT", "194,null,false,PERMANENT", "2635,null,false,PERMANENT",
            // auth: pause the account
            "190,null,false,AUTH", "190,463,false,AUTH", "102,null,false,AUTH",
            // permissions / terms: pause the account
            "10,null,false,PERMISSION", "200,null,false,PERMISSION", "200,1870090,false,PERMISSION", "200,1870050,false,PERMISSION",
            "294,null,false,PERMISSION", "299,null,false,PERMISSION", "2663,null,false,PERMISSION", "2664,null,false,PERMISSION",
    })
    void classifiesByCodeAndSubcode(int code, Integer sub, boolean isTransient, Kind expected) {
        Outcome o = GraphErrorClassifier.classify(error(400, code, sub, isTransient, Map.of()));
        assertThat(o.kind()).isEqualTo(expected);
        assertThat(o.code()).isEqualTo(String.valueOf(code));
        if (o.pausesAccount()) assertThat(o.userAction()).isNotBlank();
    }

    @Test
    void classifiesByCodeNotHttpStatus() {
        // a 500 carrying a permanent code is still permanent; a 400 carrying a throttle code is a throttle
        assertThat(GraphErrorClassifier.classify(error(500, 100, null, false, Map.of())).kind()).isEqualTo(Kind.PERMANENT);
        assertThat(GraphErrorClassifier.classify(error(429, 17, 2446079, true, Map.of())).kind()).isEqualTo(Kind.THROTTLE);
        assertThat(GraphErrorClassifier.classify(error(500, 1, null, true, Map.of())).kind()).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void permissionAndTermsSayWhatToDo() {
        assertThat(GraphErrorClassifier.classify(error(400, 200, 1870090, false, Map.of())).userAction()).contains("terms");
        assertThat(GraphErrorClassifier.classify(error(400, 2663, null, false, Map.of())).userAction()).contains("terms");
        assertThat(GraphErrorClassifier.classify(error(400, 190, null, false, Map.of())).userAction()).contains("token");
    }

    @Test
    void htmlPagesAndBareStatuses() {
        String html = "<!DOCTYPE html><html><body>Sorry, something went wrong.</body></html>";
        assertThat(GraphErrorClassifier.classify(new GraphResponse(502, headers(Map.of()), html)).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(503, headers(Map.of()), "")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(500, headers(Map.of()), "oops")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(429, headers(Map.of("Retry-After", "3")), "")).waitMillis()).isEqualTo(3000);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(200, headers(Map.of()), html)).kind())
                .as("an HTML page with 200 is not a success").isNotEqualTo(Kind.SUCCESS);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(414, headers(Map.of()), "<html>414</html>")).kind()).isEqualTo(Kind.PERMANENT);
        assertThat(GraphErrorClassifier.classify(new GraphResponse(200, headers(Map.of()), "{\"num_received\":3}")).kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void noAnswerAtAllIsTransient() {
        assertThat(GraphErrorClassifier.classify(new HttpTimeoutException("request timed out")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(GraphErrorClassifier.classify(new ConnectException("refused")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(GraphErrorClassifier.classify(new IOException("HTTP/1.1 header parser received no bytes")).kind()).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void honoursEstimatedTimeToRegainAccess() {
        String usage = "{\"4242\":[{\"type\":\"custom_audience\",\"call_count\":100,\"total_cputime\":10,\"total_time\":10,\"estimated_time_to_regain_access\":7}]}";
        Outcome o = GraphErrorClassifier.classify(error(400, 80003, 2446079, true, Map.of("X-Business-Use-Case-Usage", usage)));
        assertThat(o.kind()).isEqualTo(Kind.THROTTLE);
        assertThat(o.waitMillis()).isEqualTo(7 * 60_000L);
        // lower-case header name as HTTP/2 and proxies send it
        Outcome lower = GraphErrorClassifier.classify(error(400, 80003, 2446079, true, Map.of("x-business-use-case-usage", usage)));
        assertThat(lower.waitMillis()).isEqualTo(7 * 60_000L);
        // a garbled header is ignored, not fatal
        Outcome garbled = GraphErrorClassifier.classify(error(400, 80003, 2446079, true, Map.of("X-Business-Use-Case-Usage", "{not json")));
        assertThat(garbled.kind()).isEqualTo(Kind.THROTTLE);
        assertThat(garbled.waitMillis()).isZero();
    }

    @Test
    void messagesNeverCarryTheToken() {
        String body = "{\"error\":{\"message\":\"Invalid OAuth access token - Cannot parse access token access_token=" + ReliabSupport.TOKEN
                + "\",\"code\":190}}";
        Outcome o = GraphErrorClassifier.classify(new GraphResponse(400, headers(Map.of()), body));
        assertThat(o.message()).doesNotContain(ReliabSupport.TOKEN);
    }
}
