package com.metaaudiencesync.fake;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeGraphApiTest {

    static final String TOKEN = "test-token-123";
    static final String V = "/v25.0";
    static final String ACT = "act_1001";
    static final ObjectMapper M = new ObjectMapper();

    static FakeGraphApi fake;
    static HttpClient http;

    @BeforeAll
    static void startFake() {
        fake = FakeGraphApi.start(TOKEN);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset();
        fake.setAppSecret(null);
    }

    // ------------------------------------------------------------------ helpers

    static String h(String s) {
        return FakeGraphApi.sha256Hex(s);
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        String sep = pathAndQuery.contains("?") ? "&" : "?";
        return send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + pathAndQuery + sep + "access_token=" + TOKEN)));
    }

    HttpResponse<String> postJson(String path, ObjectNode body) throws Exception {
        if (!body.has("access_token")) {
            body.put("access_token", TOKEN);
        }
        return send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    HttpResponse<String> deleteJson(String path, ObjectNode body) throws Exception {
        body.put("access_token", TOKEN);
        return send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + path))
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    HttpResponse<String> postForm(String path, String form) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return M.readTree(r.body());
    }

    static void assertGraphError(HttpResponse<String> r, int status, int code, Integer subcode) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode e = json(r).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.get("code").asInt()).as(r.body()).isEqualTo(code);
        if (subcode != null) {
            assertThat(e.get("error_subcode").asInt()).as(r.body()).isEqualTo(subcode);
        }
        assertThat(e.get("fbtrace_id").asText()).isNotEmpty();
        assertThat(e.get("type").asText()).isNotEmpty();
    }

    static ObjectNode payload(List<String> schema, List<List<String>> rows) {
        ObjectNode body = M.createObjectNode();
        ObjectNode p = body.putObject("payload");
        ArrayNode s = p.putArray("schema");
        schema.forEach(s::add);
        ArrayNode data = p.putArray("data");
        for (List<String> row : rows) {
            ArrayNode a = data.addArray();
            row.forEach(a::add);
        }
        return body;
    }

    static final List<String> EMAIL_PHONE = List.of("EMAIL", "PHONE");

    String create(String name) throws Exception {
        ObjectNode b = M.createObjectNode().put("name", name).put("subtype", "CUSTOM")
                .put("customer_file_source", "USER_PROVIDED_ONLY");
        HttpResponse<String> r = postJson("/" + ACT + "/customaudiences", b);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).get("id").asText();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void listsAudiencesWithCursorPaging() throws Exception {
        for (int i = 0; i < 5; i++) {
            fake.seedAudience(ACT, "aud-" + i);
        }
        fake.seedAudience("act_999", "other-account");
        fake.setPageSize(2);
        List<String> names = new ArrayList<>();
        HttpResponse<String> r = get("/" + ACT + "/customaudiences?fields=id,name&limit=100");
        int pages = 0;
        while (true) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = json(r);
            pages++;
            for (JsonNode a : page.get("data")) {
                assertThat(a.get("id").asText()).matches("\\d+");
                names.add(a.get("name").asText());
            }
            assertThat(page.at("/paging/cursors/after").asText()).isNotEmpty();
            assertThat(page.at("/paging/cursors/before").asText()).isNotEmpty();
            JsonNode next = page.at("/paging/next");
            if (next.isMissingNode()) {
                break;
            }
            assertThat(next.asText()).startsWith(fake.baseUrl() + V + "/" + ACT + "/customaudiences?").contains("after=");
            // like Meta, next carries the access_token that was sent in the query
            r = send(HttpRequest.newBuilder(URI.create(next.asText())));
        }
        assertThat(pages).isEqualTo(3);
        assertThat(names).containsExactly("aud-0", "aud-1", "aud-2", "aud-3", "aud-4");
        fake.setTokenInNextUrl(false);
        String next = json(get("/" + ACT + "/customaudiences?fields=id,name")).at("/paging/next").asText();
        assertThat(next).doesNotContain("access_token").contains("fields=id%2Cname").contains("limit=2");
        assertGraphError(send(HttpRequest.newBuilder(URI.create(next))), 400, 190, null);
        JsonNode p2 = json(send(HttpRequest.newBuilder(URI.create(next + "&access_token=" + TOKEN))));
        assertThat(p2.get("data").get(0).get("name").asText()).isEqualTo("aud-2");
        // limit below the page size is honoured
        assertThat(json(get("/" + ACT + "/customaudiences?fields=id&limit=1")).get("data")).hasSize(1);
    }

    @Test
    void createsAudienceAndCountsCreates() throws Exception {
        String id = create("Loyal customers");
        String id2 = create("Loyal customers");
        assertThat(id).matches("\\d+").isNotEqualTo(id2);
        assertThat(fake.createCount("Loyal customers")).isEqualTo(2);
        assertThat(fake.createCount("nope")).isZero();
        assertThat(fake.audienceIdByName("Loyal customers")).isEqualTo(id2);

        HttpResponse<String> r = postJson("/" + ACT + "/customaudiences",
                M.createObjectNode().put("name", "x").put("subtype", "CUSTOM"));
        assertGraphError(r, 400, 100, null);
        assertThat(json(r).at("/error/message").asText()).contains("Missing parameter(s): customer_file_source");
        r = postJson("/" + ACT + "/customaudiences", M.createObjectNode().put("name", "x").put("subtype", "LOOKALIKE")
                .put("customer_file_source", "USER_PROVIDED_ONLY"));
        assertGraphError(r, 400, 100, null);
        assertThat(fake.createCount("x")).isZero();

        JsonNode a = json(get("/" + id + "?fields=id,name,approximate_count_lower_bound,approximate_count_upper_bound,operation_status"));
        assertThat(a.get("id").asText()).isEqualTo(id);
        assertThat(a.get("name").asText()).isEqualTo("Loyal customers");
        assertThat(a.get("approximate_count_lower_bound").asInt()).isZero();
        assertThat(a.at("/operation_status/code").asInt()).isEqualTo(200);
        assertThat(fake.versionsSeen()).containsExactly("v25.0");
    }

    @Test
    void addsAndRemovesMembersInEveryEncoding() throws Exception {
        String id = create("members");
        String r1 = h("a@x.com") + "|" + h("15551234567");
        String r2 = h("b@x.com") + "|";
        String r3 = "|" + h("15550000000");
        HttpResponse<String> r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(
                List.of(h("a@x.com"), h("15551234567")), List.of(h("b@x.com"), ""), List.of("", h("15550000000")))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("audience_id").asText()).isEqualTo(id);
        assertThat(body.get("num_received").asInt()).isEqualTo(3);
        assertThat(body.get("num_invalid_entries").asInt()).isZero();
        assertThat(body.get("session_id").asText()).isNotEmpty();
        assertThat(body.get("invalid_entry_samples").isObject()).isTrue();
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(r1, r2, r3);
        assertThat(fake.schemaOf(id)).containsExactly("EMAIL", "PHONE");
        assertThat(json(get("/" + id + "?fields=approximate_count_lower_bound,approximate_count_upper_bound"))
                .get("approximate_count_upper_bound").asInt()).isEqualTo(3);

        // DELETE with JSON body
        r = deleteJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of(h("a@x.com"), h("15551234567")))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(r2, r3);

        // POST with method=DELETE in the body
        ObjectNode del = payload(EMAIL_PHONE, List.of(List.of(h("b@x.com"), "")));
        del.put("method", "DELETE");
        r = postJson("/" + id + "/users", del);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(r3);

        // form-encoded, Python SDK style (payload as JSON string), method=DELETE in the query
        String pl = "{\"data\":[[\"\",\"" + h("15550000000") + "\"]],\"schema\":[\"EMAIL\",\"PHONE\"]}";
        r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "/users?method=DELETE&access_token=" + TOKEN))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("payload=" + URLEncoder.encode(pl, StandardCharsets.UTF_8))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(id)).isEmpty();

        // form-encoded add with a session
        r = postForm("/" + id + "/users", "access_token=" + TOKEN + "&payload=" + URLEncoder.encode(
                "{\"schema\":[\"EMAIL\",\"PHONE\"],\"data\":[[\"" + h("c@x.com") + "\",\"\"]]}", StandardCharsets.UTF_8)
                + "&session=" + URLEncoder.encode("{\"session_id\":77,\"batch_seq\":1,\"last_batch_flag\":true}", StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("session_id").asText()).isEqualTo("77");
        assertThat(fake.membership(id)).containsExactly(h("c@x.com") + "|");

        assertThat(fake.addRequestCount()).isEqualTo(2);
        assertThat(fake.removeRequestCount()).isEqualTo(3);
        assertThat(fake.receivedRowCount(id)).isEqualTo(7);
        assertThat(fake.payloadInUrlCount()).isZero();
        assertThat(fake.seenTokens()).containsExactly(TOKEN);
    }

    @Test
    void removalByExternIdAloneMatchesMembersByColumn() throws Exception {
        String id = create("extern");
        List<String> schema = List.of("EXTERN_ID", "EMAIL");
        postJson("/" + id + "/users", payload(schema, List.of(List.of("cust-1", h("a@x.com")), List.of("cust-2", h("b@x.com")))));
        HttpResponse<String> r = deleteJson("/" + id + "/users", payload(List.of("EXTERN_ID"), List.of(List.of("cust-1"))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly("cust-2|" + h("b@x.com"));
    }

    @Test
    void singleKeyLegacySchemaFlatAndNested() throws Exception {
        String id = create("legacy");
        ObjectNode b = M.createObjectNode();
        ObjectNode p = b.putObject("payload").put("schema", "EMAIL_SHA256");
        p.putArray("data").add(h("a@x.com")).add(h("b@x.com"));
        assertThat(postJson("/" + id + "/users", b).statusCode()).isEqualTo(200);
        ObjectNode b2 = M.createObjectNode();
        ObjectNode p2 = b2.putObject("payload").put("schema", "EMAIL_SHA256");
        p2.putArray("data").addArray().add(h("c@x.com"));
        assertThat(postJson("/" + id + "/users", b2).statusCode()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(h("a@x.com"), h("b@x.com"), h("c@x.com"));
    }

    @Test
    void validatesPayloadLikeMeta() throws Exception {
        String id = create("validation");
        // raw (unhashed) email
        HttpResponse<String> r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of("a@x.com", ""))));
        assertGraphError(r, 400, 100, null);
        assertThat(json(r).at("/error/message").asText()).contains("Data is missing or does not match schema");
        // uppercase hex is not accepted
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of(h("a@x.com").toUpperCase(), ""))));
        assertGraphError(r, 400, 100, null);
        // wrong row length
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of(h("a@x.com")))));
        assertGraphError(r, 400, 100, null);
        // unknown key
        r = postJson("/" + id + "/users", payload(List.of("EMAIL", "SHOE_SIZE"), List.of(List.of(h("a@x.com"), "42"))));
        assertGraphError(r, 400, 100, null);
        // no rows
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of()));
        assertGraphError(r, 400, 100, null);
        // > 10000 rows
        List<List<String>> many = new ArrayList<>();
        String hx = h("x");
        for (int i = 0; i <= FakeGraphApi.MAX_ROWS_PER_REQUEST; i++) {
            many.add(List.of(hx, ""));
        }
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, many));
        assertGraphError(r, 400, 100, null);
        // exactly 10000 rows is fine
        many.remove(0);
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, many));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(hx + "|");
        // MADID and EXTERN_ID take any string; a row with only empty cells is an invalid entry
        String id2 = create("madid");
        r = postJson("/" + id2 + "/users", payload(List.of("MADID", "EXTERN_ID", "EMAIL"), List.of(
                List.of("aece52e7-03ee-455a-b3c4-e57283966239", "cust-1", ""), List.of("", "", ""))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("num_received").asInt()).isEqualTo(2);
        assertThat(json(r).get("num_invalid_entries").asInt()).isEqualTo(1);
        assertThat(fake.membership(id2)).containsExactly("aece52e7-03ee-455a-b3c4-e57283966239|cust-1|");
        // lenient hashing: bad cells become invalid entries
        fake.setStrictHashing(false);
        r = postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of("a@x.com", ""), List.of(h("ok"), ""))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("num_invalid_entries").asInt()).isEqualTo(1);
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(hx + "|", h("ok") + "|");
        // LDU columns with array/number cells
        String id3 = create("ldu");
        ObjectNode b = M.createObjectNode();
        ObjectNode p = b.putObject("payload");
        p.putArray("schema").add("EMAIL").add("DATA_PROCESSING_OPTIONS").add("DATA_PROCESSING_OPTIONS_COUNTRY")
                .add("DATA_PROCESSING_OPTIONS_STATE");
        ArrayNode row = p.putArray("data").addArray();
        row.add(h("a@x.com"));
        row.addArray().add("LDU");
        row.add(1).add(1000);
        r = postJson("/" + id3 + "/users", b);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // LDU columns are not identifiers: the member is its identity cells; the LDU cells are recorded apart
        assertThat(fake.membership(id3)).containsExactly(h("a@x.com"));
        assertThat(fake.schemaOf(id3)).containsExactly("EMAIL");
        assertThat(fake.lastLdu()).isEqualTo("[\"LDU\"]|1|1000");
    }

    @Test
    void schemaIsFixedByFirstUpload() throws Exception {
        String id = create("schema");
        assertThat(postJson("/" + id + "/users", payload(EMAIL_PHONE, List.of(List.of(h("a"), "")))).statusCode()).isEqualTo(200);
        HttpResponse<String> r = postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("b")))));
        assertGraphError(r, 400, 2650, null);
        assertThat(json(r).at("/error/message").asText()).contains("This audience was created from data source FILE_IMPORTED.MULTI_HASHES");
        ObjectNode legacy = M.createObjectNode();
        legacy.putObject("payload").put("schema", "EMAIL_SHA256").putArray("data").add(h("c"));
        assertGraphError(postJson("/" + id + "/users", legacy), 400, 2650, null);
        assertThat(fake.membership(id)).containsExactly(h("a") + "|");
    }

    @Test
    void rejectsMissingOrWrongToken() throws Exception {
        String id = create("tok");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "?fields=id")));
        assertGraphError(r, 400, 190, null);
        assertThat(json(r).at("/error/message").asText()).isEqualTo("Invalid OAuth access token.");
        assertThat(json(r).at("/error/type").asText()).isEqualTo("OAuthException");
        ObjectNode b = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        b.put("access_token", "wrong");
        assertGraphError(postJson("/" + id + "/users", b), 400, 190, null);
        assertThat(fake.membership(id)).isEmpty();
        assertThat(fake.seenTokens()).contains("wrong");

        fake.setTokenValid(false);
        assertGraphError(get("/" + id + "?fields=id"), 400, 190, null);
        fake.setTokenValid(true);
        assertThat(get("/" + id + "?fields=id").statusCode()).isEqualTo(200);
        // recorded queries never hold the token
        assertThat(fake.requests()).allSatisfy(q -> assertThat(q.query()).doesNotContain(TOKEN));
    }

    @Test
    void checksAppSecretProof() throws Exception {
        String id = fake.seedAudience(ACT, "proof");
        fake.setAppSecret("s3cret");
        assertGraphError(get("/" + id + "?fields=id"), 400, 100, null);
        assertGraphError(get("/" + id + "?fields=id&appsecret_proof=" + "0".repeat(64)), 400, 100, null);
        String proof = FakeGraphApi.hmacSha256Hex("s3cret", TOKEN);
        assertThat(proof).matches("[0-9a-f]{64}");
        assertThat(get("/" + id + "?fields=id&appsecret_proof=" + proof).statusCode()).isEqualTo(200);
        ObjectNode b = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        b.put("appsecret_proof", proof);
        assertThat(postJson("/" + id + "/users", b).statusCode()).isEqualTo(200);
    }

    ObjectNode replaceBatch(String sessionId, int seq, boolean last, String... emails) {
        List<List<String>> rows = new ArrayList<>();
        for (String e : emails) {
            rows.add(List.of(h(e)));
        }
        ObjectNode b = payload(List.of("EMAIL"), rows);
        b.putObject("session").put("session_id", Long.parseLong(sessionId)).put("batch_seq", seq)
                .put("last_batch_flag", last).put("estimated_num_total", 3);
        return b;
    }

    @Test
    void usersReplaceFollowsSessionRules() throws Exception {
        String id = create("replace");
        postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("old1")), List.of(h("old2")))));

        // session is mandatory
        assertGraphError(postJson("/" + id + "/usersreplace", payload(List.of("EMAIL"), List.of(List.of(h("n1"))))), 400, 100, null);
        // first batch must be seq 1
        assertGraphError(postJson("/" + id + "/usersreplace", replaceBatch("555", 2, false, "n1")), 400, 2650, 1870147);

        HttpResponse<String> r = postJson("/" + id + "/usersreplace", replaceBatch("555", 1, false, "n1", "n2"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("num_received").asInt()).isEqualTo(2);
        // not replaced yet; replace in progress is visible and blocks /users
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(h("old1"), h("old2"));
        assertThat(json(get("/" + id + "?fields=operation_status")).at("/operation_status/code").asInt()).isEqualTo(414);
        assertGraphError(postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("x"))))), 400, 2650, 1870145);

        r = postJson("/" + id + "/usersreplace", replaceBatch("555", 2, true, "n3"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("num_received").asInt()).isEqualTo(3);
        assertThat(fake.membership(id)).containsExactlyInAnyOrder(h("n1"), h("n2"), h("n3"));
        assertThat(json(get("/" + id + "?fields=operation_status")).at("/operation_status/code").asInt()).isEqualTo(200);

        // the session is finished
        assertGraphError(postJson("/" + id + "/usersreplace", replaceBatch("555", 3, false, "n4")), 400, 2650, 1870159);
        assertGraphError(postJson("/" + id + "/usersreplace", replaceBatch("555", 1, true, "n4")), 400, 2650, 1870159);
        // a new single-batch session replaces again
        assertThat(postJson("/" + id + "/usersreplace", replaceBatch("556", 1, true, "only")).statusCode()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(h("only"));
        assertThat(fake.replaceRequestCount()).isEqualTo(3);
    }

    @Test
    void usersOfAnyAudienceRemovesEverywhereInTheAccount() throws Exception {
        String a = create("any-a");
        String b = create("any-b");
        String other = fake.seedAudience("act_2002", "other");
        List<List<String>> rows = List.of(List.of(h("gone")), List.of(h("stay")));
        for (String id : List.of(a, b, other)) {
            assertThat(postJson("/" + id + "/users", payload(List.of("EMAIL"), rows)).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> r = deleteJson("/" + ACT + "/usersofanyaudience", payload(List.of("EMAIL"), List.of(List.of(h("gone")))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.membership(a)).containsExactly(h("stay"));
        assertThat(fake.membership(b)).containsExactly(h("stay"));
        assertThat(fake.membership(other)).hasSize(2);

        ObjectNode body = payload(List.of("EMAIL"), List.of(List.of(h("stay"))));
        body.put("method", "DELETE");
        assertThat(postJson("/" + ACT + "/usersofanyaudience", body).statusCode()).isEqualTo(200);
        assertThat(fake.membership(a)).isEmpty();
        assertThat(fake.membership(b)).isEmpty();
        assertThat(fake.removeRequestCount()).isEqualTo(2);
    }

    @Test
    void graphErrorFaultWithHeadersIsConsumedFifoAndChangesNothing() throws Exception {
        String id = create("faults");
        String usage = Fault.bucUsageHeader("1001", 100, 1);
        fake.failNext("/users", 2, Fault.graphError(400, 80003, 2446079, true, "(#80003) too many calls")
                .withHeader("X-Business-Use-Case-Usage", usage));
        fake.failNext("/users", 1, Fault.http500());
        ObjectNode body = payload(List.of("EMAIL"), List.of(List.of(h("a"))));

        // a non-matching path is not affected
        assertThat(get("/" + id + "?fields=id").statusCode()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = postJson("/" + id + "/users", body.deepCopy());
            assertGraphError(r, 400, 80003, 2446079);
            assertThat(json(r).at("/error/is_transient").asBoolean()).isTrue();
            assertThat(r.headers().firstValue("X-Business-Use-Case-Usage")).contains(usage);
        }
        HttpResponse<String> r = postJson("/" + id + "/users", body.deepCopy());
        assertGraphError(r, 500, 1, null);
        assertThat(fake.membership(id)).isEmpty();
        assertThat(fake.pendingFaults()).isZero();
        assertThat(postJson("/" + id + "/users", body.deepCopy()).statusCode()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(h("a"));
        assertThat(fake.addRequestCount()).isEqualTo(1);
        assertThat(fake.requests()).filteredOn(q -> q.outcome().startsWith("FAULT")).hasSize(3);
    }

    @Test
    void http429AndHtml502Faults() throws Exception {
        String id = create("more-faults");
        ObjectNode body = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        fake.failNext("/users", 1, Fault.http429());
        fake.failNext("/users", 1, Fault.html502());
        fake.failNext("/usersreplace", 1, Fault.bucThrottle("1001", 3));
        assertGraphError(postJson("/" + id + "/users", body.deepCopy()), 429, 17, null);
        HttpResponse<String> r = postJson("/" + id + "/users", body.deepCopy());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(r.body()).startsWith("<!DOCTYPE html>");
        r = postJson("/" + id + "/usersreplace", replaceBatch("9", 1, true, "a"));
        assertGraphError(r, 400, 80003, 2446079);
        assertThat(r.headers().firstValue("X-Business-Use-Case-Usage").orElse("")).contains("\"estimated_time_to_regain_access\":3");
        assertThat(fake.membership(id)).isEmpty();
    }

    @Test
    void droppedConnectionSurfacesAsIOException() throws Exception {
        String id = create("drop");
        fake.failNext("/users", 1, Fault.dropConnection());
        ObjectNode body = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        assertThatThrownBy(() -> postJson("/" + id + "/users", body.deepCopy())).isInstanceOf(IOException.class);
        assertThat(fake.membership(id)).isEmpty();
        assertThat(fake.requests()).anySatisfy(q -> {
            assertThat(q.outcome()).contains("DROP_CONNECTION");
            assertThat(q.status()).isZero();
        });
        assertThat(postJson("/" + id + "/users", body.deepCopy()).statusCode()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(h("a"));
    }

    @Test
    void defaultHttp2ClientWorksAndGetDropsNeedMoreThanOneFault() throws Exception {
        String id = create("h2");
        HttpClient h2 = HttpClient.newHttpClient(); // asks for h2c upgrade; the fake answers HTTP/1.1
        ObjectNode b = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        b.put("access_token", TOKEN);
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "/users"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(fake.membership(id)).containsExactly(h("a"));
        // java.net.http silently retries an idempotent GET once after a dropped connection,
        // so several drops are queued to make the failure reach the caller
        fake.failNext(3, Fault.dropConnection());
        assertThatThrownBy(() -> h2.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id
                + "?fields=id&access_token=" + TOKEN)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        fake.clearFaults();
    }

    @Test
    void slowReplyDelaysThenAnswers() throws Exception {
        String id = create("slow");
        fake.failNext("/users", 1, Fault.slow(Duration.ofMillis(600)));
        ObjectNode body = payload(List.of("EMAIL"), List.of(List.of(h("a"))));
        long t0 = System.nanoTime();
        HttpResponse<String> r = postJson("/" + id + "/users", body.deepCopy());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ms).isGreaterThanOrEqualTo(550);
        // a client timeout shorter than the delay sees HttpTimeoutException (an IOException)
        fake.failNext("/users", 1, Fault.slow(Duration.ofMillis(1500)));
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "/users"))
                .header("Content-Type", "application/json").timeout(Duration.ofMillis(200))
                .POST(HttpRequest.BodyPublishers.ofString(body.deepCopy().put("access_token", TOKEN).toString())).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void usersLatencyIsApplied() throws Exception {
        String id = create("latency");
        fake.setUsersLatency(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        assertThat(postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("a"))))).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(280);
    }

    @Test
    void countsPayloadInUrlAndRejectsHugeUrls() throws Exception {
        String id = create("url");
        postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("a")), List.of(h("b")))));
        String pl = "{\"schema\":\"EMAIL_SHA256\",\"data\":[\"" + h("a") + "\"]}";
        // legacy single-key differs from the fixed multi-key schema, so send the same multi-key schema
        pl = "{\"schema\":[\"EMAIL\"],\"data\":[[\"" + h("a") + "\"]]}";
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "/users?access_token="
                + TOKEN + "&payload=" + URLEncoder.encode(pl, StandardCharsets.UTF_8))).DELETE());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.payloadInUrlCount()).isEqualTo(1);
        assertThat(fake.membership(id)).containsExactly(h("b"));

        fake.setMaxQueryBytes(1000);
        StringBuilder big = new StringBuilder("{\"schema\":[\"EMAIL\"],\"data\":[");
        for (int i = 0; i < 30; i++) {
            big.append(i == 0 ? "" : ",").append("[\"").append(h("u" + i)).append("\"]");
        }
        big.append("]}");
        r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + "/" + id + "/users?access_token="
                + TOKEN + "&payload=" + URLEncoder.encode(big.toString(), StandardCharsets.UTF_8))).DELETE());
        assertThat(r.statusCode()).isEqualTo(414);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    }

    @Test
    void rejectsPathsWithoutVersionAndRecordsRequests() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/act_1/customaudiences?access_token=" + TOKEN)));
        assertGraphError(r, 400, 100, null);
        r = send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v26.0/act_1/nonsense?access_token=" + TOKEN)));
        assertGraphError(r, 400, 100, null);
        assertGraphError(get("/424242?fields=id"), 400, 100, 33);
        assertThat(fake.versionsSeen()).containsExactlyInAnyOrder("v25.0", "v26.0");
        assertThat(fake.requests()).hasSize(3);
        RecordedRequest first = fake.requests().get(0);
        assertThat(first.method()).isEqualTo("GET");
        assertThat(first.path()).isEqualTo("/act_1/customaudiences");
        assertThat(first.query()).isEqualTo("access_token=REDACTED");
        assertThat(first.status()).isEqualTo(400);
        assertThat(first.errorCode()).isEqualTo(100);
        assertThat(first.receivedAt()).isNotNull();
    }

    @Test
    void termsOfServiceToggle() throws Exception {
        JsonNode tos = json(get("/" + ACT + "?fields=tos_accepted"));
        assertThat(tos.at("/tos_accepted/custom_audience_tos").asInt()).isEqualTo(1);
        assertThat(tos.get("id").asText()).isEqualTo(ACT);
        String id = create("tos");
        fake.setTermsAccepted(false);
        assertThat(json(get("/" + ACT + "?fields=tos_accepted")).size()).isZero();
        HttpResponse<String> r = postJson("/" + ACT + "/customaudiences", M.createObjectNode().put("name", "n")
                .put("subtype", "CUSTOM").put("customer_file_source", "USER_PROVIDED_ONLY"));
        assertGraphError(r, 400, 200, 1870090);
        assertThat(json(r).at("/error/message").asText()).contains("Custom Audience Terms Not Accepted");
        assertGraphError(postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("a"))))), 400, 200, 1870090);
        assertThat(fake.membership(id)).isEmpty();
    }

    @Test
    void countOnlyModeValidatesButStoresNothing() throws Exception {
        String id = create("count-only");
        fake.setCountOnly(true);
        HttpResponse<String> r = postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of(h("a")), List.of(h("b")))));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("num_received").asInt()).isEqualTo(2);
        assertGraphError(postJson("/" + id + "/users", payload(List.of("EMAIL"), List.of(List.of("raw@x.com")))), 400, 100, null);
        assertThat(fake.membership(id)).isEmpty();
        assertThat(fake.receivedRowCount(id)).isEqualTo(2);
        assertThat(fake.totalRowsReceived()).isEqualTo(2);
        assertThat(fake.statsLine()).contains("adds=1").doesNotContain(TOKEN);
    }

    @Test
    void concurrentAddsAllLand() throws Exception {
        String id = create("concurrent");
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t;
            Thread th = new Thread(() -> {
                try {
                    for (int i = 0; i < 10; i++) {
                        HttpResponse<String> r = postJson("/" + id + "/users",
                                payload(List.of("EMAIL"), List.of(List.of(h(base + "-" + i)))));
                        assertThat(r.statusCode()).isEqualTo(200);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(errors).isEmpty();
        assertThat(fake.membership(id)).hasSize(40);
        assertThat(fake.addRequestCount()).isEqualTo(40);
        assertThat(Set.copyOf(fake.requests())).hasSize(41);
    }

    /**
     * Count-only mode checks rows while parsing (no String per cell, no row kept; escapes, nulls, numbers, nested
     * arrays and rows that are strings included): every request gets the same answer as in the
     * normal mode — accepted with the same counts and invalid-entry samples, or refused with the same error —
     * with strict hashing on and off.
     */
    @Test
    void countOnlyModeAnswersEveryRequestAsTheNormalModeDoes() throws Exception {
        List<String> multi = List.of("EMAIL", "PHONE", "EXTERN_ID");
        List<ObjectNode> cases = new ArrayList<>();
        cases.add(payload(multi, List.of(List.of(h("a"), h("p"), "x1"), List.of("", h("q"), ""), List.of("", "", "ext-only"))));
        cases.add(payload(multi, List.of(List.of(h("a"), "", ""), List.of("raw@x.com", h("q"), ""), List.of(h("c"), "", ""))));
        cases.add(payload(multi, List.of(List.of(h("a"), "", ""), List.of("", "", ""))));
        cases.add(payload(multi, List.of(List.of("RAW", "", ""), List.of(h("b"), "", ""), List.of(h("c"), ""))));
        cases.add(payload(multi, List.of(List.of(h("a"), "", ""), List.of(h("b"), ""), List.of(h("c"), "", ""), List.of("bad", "", ""))));
        cases.add(payload(multi, List.of(List.of(h("a").toUpperCase(Locale.ROOT), "", ""), List.of(h("b"), "", "", "extra"))));
        List<List<String>> many = new ArrayList<>();
        for (int i = 0; i < FakeGraphApi.MAX_ROWS_PER_REQUEST + 1; i++) many.add(List.of(h("m" + i)));
        cases.add(payload(List.of("EMAIL"), many));
        cases.add(payload(List.of("EMAIL"), List.of()));
        cases.add(payload(multi, List.of(List.of(h("a"), "", "quote\"d"), List.of("", "", ""), List.of(h("b"), "", "tab\t"))));
        ObjectNode odd = payload(List.of("EMAIL", "PHONE", "DATA_PROCESSING_OPTIONS"), List.of());
        ArrayNode data = (ArrayNode) odd.get("payload").get("data");
        ArrayNode r1 = data.addArray();
        r1.add(h("a"));
        r1.addNull();
        r1.addArray().add("LDU");
        ArrayNode r2 = data.addArray();
        r2.addNull();
        r2.add(12345);
        r2.addArray();
        cases.add(odd);
        ObjectNode plain = payload(List.of("EMAIL"), List.of());
        ((ArrayNode) plain.get("payload").get("data")).add(h("s1")).add("").add(h("s2"));
        cases.add(plain);
        // raw texts: the count-only path reads plain rows from the bytes and leaves anything else to Jackson
        String a = h("a"), b = h("b");
        List<String> raw = new ArrayList<>();
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\",\"PHONE\",\"EXTERN_ID\"],\"data\":[[\"" + a + "\",\"\",\"x\"],[\"\",\"" + b + "\",\"\"]]}}");
        raw.add("{ \"payload\" : { \"schema\" : [ \"EMAIL\" , \"PHONE\" ] ,\n \"data\" : [\n [ \"" + a + "\" , \"\" ] ,\r\n\t[\"\",\"\"] , [ ] , [\"" + b + "\"]\n ] } , \"extra\" : 1 }");
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a + "\",],[\"" + b + "\"]]}}"); // trailing comma: malformed
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a + "\"],]}}");
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a + "\"][\"" + b + "\"]]}}"); // no comma
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a + "\"]"); // truncated
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"\\u0061" + a.substring(1) + "\"],[\"" + b + "\"]]}}"); // an escape
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\",\"FN\"],\"data\":[[\"" + a + "\",\"jos\u00e9\"]]}}"); // non-ASCII
        raw.add("{\"payload\":{\"data\":[[\"" + a + "\"]],\"schema\":[\"EMAIL\"]}}"); // data before schema
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a + "\"]],\"data\":[[\"bad\"],[\"" + b + "\"]]}}"); // two data arrays
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[[\"" + a.toUpperCase(Locale.ROOT) + "\"],[\"" + a.substring(0, 63) + "\"],[\"" + a + "0\"]]}}");
        raw.add("{\"payload\":{\"schema\":[\"EMAIL\"],\"data\":[]}}");
        raw.add("{\"payload\":{\"schema\":[],\"data\":[[\"" + a + "\"]]}}");
        List<String> bodies = new ArrayList<>();
        for (ObjectNode body : cases) bodies.add(body.toString());
        bodies.addAll(raw);
        int k = 0;
        for (boolean strict : new boolean[]{true, false}) {
            for (String body : bodies) {
                k++;
                fake.setStrictHashing(strict);
                fake.setCountOnly(false);
                String normal = comparable(postRaw("/" + create("normal-" + k) + "/users", body));
                fake.setCountOnly(true);
                String counted = comparable(postRaw("/" + create("counted-" + k) + "/users", body));
                assertThat(counted).as("case %d, strict %s: %s", k, strict, body).isEqualTo(normal);
            }
        }
        assertThat(k).isEqualTo(2 * (cases.size() + raw.size()));
        // the byte path is really taken for plain rows, and left for escapes and non-ASCII text
        assertThat(PayloadParser.spliceCounted(raw.get(0).getBytes(StandardCharsets.UTF_8))).isNotNull();
        assertThat(PayloadParser.spliceCounted(raw.get(1).getBytes(StandardCharsets.UTF_8))).isNotNull();
        assertThat(PayloadParser.spliceCounted(raw.get(6).getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(PayloadParser.spliceCounted(raw.get(7).getBytes(StandardCharsets.UTF_8))).isNull();
    }

    /** the 8-bytes-at-a-time hex check agrees with a per-character one for every byte value at every position */
    @Test
    void bytePathHexCheckIsExact() {
        int checked = 0;
        for (int pos = 0; pos < 64; pos++) {
            for (int v = 0; v < 256; v++) {
                byte[] b = new byte[66];
                Arrays.fill(b, (byte) '7');
                b[1 + pos] = (byte) v;
                boolean expected = (v >= '0' && v <= '9') || (v >= 'a' && v <= 'f');
                assertThat(PayloadParser.hex64(b, 1)).as("byte %d at %d", v, pos).isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(64 * 256);
    }

    /** a JSON body as given (the access token goes in the query) */
    private HttpResponse<String> postRaw(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + V + path + "?access_token=" + TOKEN))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** the byte path's counts for the service's own request shape are Jackson's */
    @Test
    void countOnlyBytePathCountsAsJacksonDoes() throws Exception {
        List<String> schema = List.of("EMAIL", "PHONE", "FN", "EXTERN_ID");
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rows.add(List.of(i % 7 == 0 ? "" : h("e" + i), i % 5 == 0 ? "RAW" + i : h("p" + i), i % 11 == 0 ? "" : h("f" + i), i % 3 == 0 ? "" : "x" + i));
        }
        rows.add(List.of("", "", "", ""));
        rows.add(List.of(h("short"), ""));
        byte[] body = payload(schema, rows).toString().getBytes(StandardCharsets.UTF_8);
        PayloadParser.Spliced sp = PayloadParser.spliceCounted(body);
        assertThat(sp).isNotNull();
        assertThat(new String(sp.body(), StandardCharsets.UTF_8)).contains("\"data\":[]");
        PayloadParser.Payload viaJackson;
        try (JsonParser p = PayloadParser.JSON.createParser(body)) {
            p.nextToken();
            p.nextToken();
            p.nextToken();
            viaJackson = PayloadParser.parseObject(p, true);
        }
        PayloadParser.Payload raw = sp.counted();
        assertThat(raw.countedRows).isEqualTo(viaJackson.countedRows).isEqualTo(302);
        assertThat(raw.invalid).isEqualTo(viaJackson.invalid).isGreaterThan(0);
        assertThat(raw.mismatchRow).isEqualTo(viaJackson.mismatchRow).isEqualTo(301);
        assertThat(raw.mismatchLength).isEqualTo(viaJackson.mismatchLength);
        assertThat(raw.firstBadRow).isEqualTo(viaJackson.firstBadRow).isZero();
        assertThat(raw.firstBadColumn).isEqualTo(viaJackson.firstBadColumn).isEqualTo("PHONE");
        assertThat(raw.samples).isEqualTo(viaJackson.samples);
    }

    /** status and body without what differs per request (ids, trace ids) */
    private static String comparable(HttpResponse<String> r) throws IOException {
        JsonNode j = json(r);
        if (j instanceof ObjectNode o) {
            o.remove(List.of("audience_id", "id", "session_id"));
            if (o.get("error") instanceof ObjectNode e) e.remove("fbtrace_id");
        }
        return r.statusCode() + " " + j;
    }

    /** the fake answers without Nagle's delay (see FakeGraphApi's static block): the server option is on */
    @Test
    void serverSocketsAreNoDelay() {
        assertThat(System.getProperty("sun.net.httpserver.nodelay")).isEqualTo("true");
    }
}
