package com.metaaudiencesync.poll;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.MetaAudienceSyncApplication;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.model.MetaKey;
import org.awaitility.Awaitility;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** Starting the service in tests, the admin endpoints, an H2 source table, expected Meta rows. */
final class PollTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOKEN = "test-token";

    private PollTestSupport() {}

    static final String ADMIN_USER = "poll-admin";
    static final String ADMIN_PASSWORD = "poll-admin-pw-3c9d";
    static final String BASIC = "Basic " + Base64.getEncoder().encodeToString((ADMIN_USER + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));

    /** Base properties: in-memory H2 (unless overridden), temp inbox/outbox, the fake Graph API, fast sending. */
    static Map<String, String> base(Path dir, FakeGraphApi fake) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("server.port", "0");
        p.put("spring.datasource.url", "jdbc:h2:mem:svc-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        p.put("sync.inbox", dir.resolve("inbox").toString());
        p.put("sync.outbox", dir.resolve("outbox").toString());
        p.put("meta.graph-url", fake.baseUrl());
        p.put("meta.access-token", TOKEN);
        p.put("meta.ad-account-id", "act_1");
        // live mode: the admin API needs the admin credentials
        p.put("spring.security.user.name", ADMIN_USER);
        p.put("spring.security.user.password", ADMIN_PASSWORD);
        p.put("sync.retry.initial-delay", "100ms");
        p.put("sync.retry.max-delay", "500ms");
        p.put("sync.send.max-requests-per-second", "1000");
        p.put("sync.lease-time", "10s");
        p.put("logging.level.root", "WARN");
        p.put("logging.level.com.metaaudiencesync.poll", "INFO");
        return p;
    }

    static ConfigurableApplicationContext start(Map<String, String> props) {
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(MetaAudienceSyncApplication.class).run(args);
    }

    static int port(ConfigurableApplicationContext ctx) {
        return Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
    }

    static Map<String, Object> trigger(ConfigurableApplicationContext ctx, String job) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/api/polls/" + job + "/run")).header("Authorization", BASIC)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) throw new AssertionError("POST run answered " + r.statusCode() + ": " + r.body());
        return JSON.readValue(r.body(), new TypeReference<>() {});
    }

    static List<Map<String, Object>> runs(ConfigurableApplicationContext ctx, String job) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(ctx) + "/api/polls/" + job + "/runs?limit=500")).header("Authorization", BASIC)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("GET runs answered " + r.statusCode() + ": " + r.body());
        return JSON.readValue(r.body(), new TypeReference<>() {});
    }

    static Map<String, Object> run(ConfigurableApplicationContext ctx, String job, long id) throws Exception {
        for (Map<String, Object> r : runs(ctx, job)) if (((Number) r.get("id")).longValue() == id) return r;
        return null;
    }

    /** Triggers a run and waits until it is finished (every batch acknowledged, or failed). */
    static Map<String, Object> runAndWait(ConfigurableApplicationContext ctx, String job) throws Exception {
        long id = ((Number) trigger(ctx, job).get("runId")).longValue();
        Map<String, Object>[] last = new Map[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = run(ctx, job, id);
            Object o = last[0] == null ? null : last[0].get("outcome");
            return o != null && !"RUNNING".equals(o) && !"SENDING".equals(o);
        });
        return last[0];
    }

    /** The row the fake keeps for a member known by email only: the 15 cells in schema order joined by '|'. */
    static String row(String email) {
        String[] cells = new String[MetaKey.COUNT];
        Arrays.fill(cells, "");
        cells[MetaKey.EMAIL.ordinal()] = FakeGraphApi.sha256Hex(email.trim().toLowerCase());
        return String.join("|", cells);
    }

    static Set<String> rows(Collection<String> emails) {
        return emails.stream().map(PollTestSupport::row).collect(Collectors.toSet());
    }

    /** An in-memory H2 database holding table members(email), the source of a jdbc job. */
    static final class SourceDb implements AutoCloseable {
        final String url = "jdbc:h2:mem:src-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        private final Connection keep;

        SourceDb() throws SQLException {
            keep = DriverManager.getConnection(url, "sa", "");
            try (Statement s = keep.createStatement()) {
                s.execute("CREATE TABLE members(id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(200))");
            }
        }

        void set(Collection<String> emails) throws SQLException {
            try (Statement s = keep.createStatement()) {
                s.execute("DELETE FROM members");
            }
            try (PreparedStatement ps = keep.prepareStatement("INSERT INTO members(email) VALUES (?)")) {
                for (String e : emails) {
                    ps.setString(1, e);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        @Override public void close() throws SQLException {
            try (Statement s = keep.createStatement()) { s.execute("SHUTDOWN"); } catch (SQLException ignored) { /* closing */ }
            keep.close();
        }
    }

    static List<String> emails(String... names) {
        List<String> l = new ArrayList<>();
        for (String n : names) l.add(n + "@example.com");
        return l;
    }

    static long num(Map<String, Object> run, String field) {
        Object o = run.get(field);
        return o == null ? -1 : ((Number) o).longValue();
    }
}
