package com.metaaudiencesync.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Start-up, deploys and shutdown against the packaged jar: no webhook sender ever meets a 4xx because the service
 * is starting or stopping, and nothing answered 202 is lost. Both webhook ports (server.port, sync.webhook.port).
 */
class LifecycleIT {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] PATHS = {"/webhooks/members", "/webhooks/segment", "/v1/batch", "/v1/identify", "/v1/track"};
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @AfterAll
    static void stop() { fake.close(); }

    @BeforeAll
    static void onlyAgainstThePackagedJar() {
        Assumptions.assumeTrue(System.getProperty("mas.jar") != null,
                "runs in failsafe after package (mvn verify), against target/meta-audience-sync.jar");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    /** live mode against the fake, both webhook ports, Segment write key as the webhook credential */
    static Map<String, String> props(Path work, int port, int listenerPort) {
        Map<String, String> p = ReliabKillNineIT.props(work, 10_000);
        p.put("meta.graph-url", fake.baseUrl());
        p.put("server.port", String.valueOf(port));
        p.put("sync.webhook.port", String.valueOf(listenerPort));
        p.put("sync.webhook.write-key", SegmentLikeSender.WRITE_KEY);
        p.put("sync.batch-timeout", "1s");
        return p;
    }

    static long received(String audience) {
        String id = fake.audienceIdByName(audience);
        return id == null ? 0 : fake.receivedRowCount(id);
    }

    int readiness(int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    JsonNode readinessBody(int port) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    void awaitReady(ServiceProcess p, int port, Path out) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> !p.alive() || readiness(port) == 200);
        assertThat(p.alive()).as("service died by itself; see " + out).isTrue();
    }

    /** Every email in {@code emails} reaches the audience at the fake Graph API (waiting while {@code p} runs), and nothing else. */
    static void assertAllReachMeta(ServiceProcess p, String audience, List<String> emails) {
        await().atMost(Duration.ofSeconds(120)).until(() -> !p.alive() || ReliabSupport.memberEmailHashes(fake, audience).size() >= emails.size());
        assertThat(ReliabSupport.memberEmailHashes(fake, audience)).isEqualTo(ReliabSupport.hashes(emails));
    }

    static String body(String path, String audience, String email, String id) {
        if (path.equals("/webhooks/members")) {
            return "{\"audience\":\"" + audience + "\",\"action\":\"add\",\"email\":\"" + email + "\",\"messageId\":\"" + id + "\"}";
        }
        String event = SegmentLikeSender.identify(audience, email, id);
        return path.equals("/v1/batch") ? SegmentLikeSender.batch(List.of(event)) : event;
    }

    @Test
    void fromThePortOpeningUntilReadyEveryWebhookPathAnswers503WithRetryAfterOr202() throws Exception {
        Path work = ReliabSupport.tempDir("lifecycle-window");
        Path out = work.resolve("stdout.log");
        int port = freePort();
        int listenerPort = freePort();
        String auth = "Basic " + Base64.getEncoder().encodeToString((SegmentLikeSender.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
        Map<String, Integer> seen = new TreeMap<>();
        List<String> accepted = new ArrayList<>();
        ServiceProcess p = ServiceProcess.start(props(work, port, listenerPort), ReliabSupport.TOKEN, out);
        try {
            int n = 0;
            boolean ready = false;
            // rounds over every path of both ports until ready, then one more round
            for (int round = 0; round < 100_000 && p.alive(); round++) {
                boolean last = ready;
                for (int base : new int[] {port, listenerPort}) {
                    for (String path : PATHS) {
                        String email = ReliabSupport.email("window", n);
                        HttpResponse<String> r;
                        try {
                            r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + base + path)).timeout(Duration.ofSeconds(30))
                                    .header("Content-Type", "application/json").header("Authorization", auth)
                                    .POST(HttpRequest.BodyPublishers.ofString(body(path, "Window", email, "window-" + n++))).build(),
                                    HttpResponse.BodyHandlers.ofString());
                        } catch (IOException e) {
                            continue; // the port is not open yet: a sender retries
                        }
                        seen.merge(r.statusCode() + " " + (base == port ? "server.port" : "listener"), 1, Integer::sum);
                        if (r.statusCode() == 503) {
                            assertThat(r.headers().firstValue("Retry-After")).as(path).isPresent();
                            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                        } else {
                            assertThat(r.statusCode()).as("%s on %s: %s", path, base, r.body()).isEqualTo(202);
                            accepted.add(email);
                        }
                    }
                }
                if (last) break;
                ready = readiness(port) == 200;
            }
            assertThat(p.alive()).as("service died by itself; see " + out).isTrue();
            System.out.println("start-up window, answers by status and port: " + seen);
            assertThat(seen).as("answers seen").containsKey("202 server.port").containsKey("202 listener");
            assertThat(seen.keySet()).allMatch(k -> k.startsWith("202 ") || k.startsWith("503 "));
            assertAllReachMeta(p, "Window", accepted);
        } finally {
            p.sigterm(60);
        }
    }

    @Test
    void aSegmentLikeSenderLosesNothingAcrossTwoRollingRestarts() throws Exception {
        Path work = ReliabSupport.tempDir("lifecycle-rolling");
        Path out = work.resolve("stdout.log");
        int port = freePort();
        int listenerPort = freePort();
        Map<String, String> props = props(work, port, listenerPort);
        String audience = "rolling_aud";
        SegmentLikeSender sender = new SegmentLikeSender();
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger batches = new AtomicInteger();
        int total = 240;

        ServiceProcess[] current = {ServiceProcess.start(props, ReliabSupport.TOKEN, out)};
        awaitReady(current[0], port, out);
        Thread stream = new Thread(() -> {
            try {
                for (int b = 0; b < total; b++) {
                    List<String> events = new ArrayList<>();
                    List<String> emails = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        String email = ReliabSupport.email("rolling", b * 10 + i);
                        emails.add(email);
                        events.add(SegmentLikeSender.identify(audience, email, "rolling-" + b + "-" + i));
                    }
                    int to = b % 2 == 0 ? port : listenerPort;
                    if (sender.send(URI.create("http://127.0.0.1:" + to + "/v1/batch"), SegmentLikeSender.batch(events))) sent.addAll(emails);
                    batches.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "segment-like-sender");
        stream.start();
        try {
            for (int restart = 1; restart <= 2; restart++) {
                int after = restart * total / 3;
                await().atMost(Duration.ofSeconds(120)).until(() -> batches.get() >= after);
                long t = current[0].sigterm(60);
                assertThat(t).as("SIGTERM exit within 60 s; see " + out).isGreaterThanOrEqualTo(0);
                assertThat(current[0].exitValue()).as("exit code after SIGTERM").isZero();
                current[0] = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
            }
            awaitReady(current[0], port, out);
            stream.join(Duration.ofSeconds(180).toMillis());
            assertThat(stream.isAlive()).isFalse();
            System.out.println("rolling restarts, answers by status: " + sender.statuses + ", connection errors: " + sender.connectionErrors);
            assertThat(sender.unexpected()).as("statuses other than 2xx/503 (a real library drops those batches)").isEmpty();
            assertThat(sender.dropped.get()).isZero();
            assertThat(sent).hasSize(total * 10);
            assertAllReachMeta(current[0], audience, List.copyOf(sent));
        } finally {
            stream.interrupt();
            current[0].sigterm(60);
        }
    }

    /** Opens a request with its headers and the first half of its body: in flight until {@link #finish}. */
    static final class SlowRequest {
        final Socket socket;
        final byte[] body;

        SlowRequest(int port, byte[] body) throws IOException {
            this.socket = new Socket("127.0.0.1", port);
            this.body = body;
            socket.setSoTimeout(60_000);
            OutputStream o = socket.getOutputStream();
            o.write(("POST /webhooks/members HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nAuthorization: Bearer unused\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.write(body, 0, body.length / 2);
            o.flush();
        }

        /** sends the rest and reads the status code (-1 when the connection was closed without an answer) */
        int finish() {
            try (Socket s = socket) {
                OutputStream o = s.getOutputStream();
                o.write(body, body.length / 2, body.length - body.length / 2);
                o.flush();
                InputStream in = s.getInputStream();
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = in.read()) >= 0 && c != '\n') line.append((char) c);
                String[] parts = line.toString().split(" ");
                return parts.length > 1 ? Integer.parseInt(parts[1].trim()) : -1;
            } catch (IOException e) {
                return -1;
            }
        }
    }

    @Test
    void sigtermWith32RequestsInFlightAnswersEach202OrRetryableAndLosesNothing() throws Exception {
        Path work = ReliabSupport.tempDir("lifecycle-drain");
        Path out = work.resolve("stdout.log");
        int port = freePort();
        int listenerPort = freePort();
        Map<String, String> props = props(work, port, listenerPort);
        props.remove("sync.webhook.write-key");
        props.put("sync.webhook.token", "unused");
        ServiceProcess p = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        awaitReady(p, port, out);

        List<SlowRequest> requests = new ArrayList<>();
        Map<SlowRequest, List<String>> members = new ConcurrentHashMap<>();
        for (int r = 0; r < 32; r++) {
            List<String> emails = new ArrayList<>();
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < 50; i++) {
                String email = ReliabSupport.email("drain" + r, i);
                emails.add(email);
                b.append(i == 0 ? "" : ",").append("{\"audience\":\"Drain\",\"action\":\"add\",\"email\":\"").append(email).append("\"}");
            }
            SlowRequest req = new SlowRequest(r % 2 == 0 ? port : listenerPort, b.append("]").toString().getBytes(StandardCharsets.UTF_8));
            requests.add(req);
            members.put(req, emails);
        }
        // every one of them has passed the gate (the readiness detail counts them) before SIGTERM
        await().atMost(Duration.ofSeconds(30)).until(() -> readinessBody(port).path("components").path("pipeline").path("details")
                .path("webhooksInFlight").asInt() == 32);
        p.terminate();
        AtomicBoolean refusedOrUnavailable = new AtomicBoolean();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            int s = readiness(port);
            if (s == 503 || s == -1) refusedOrUnavailable.set(true);
            return refusedOrUnavailable.get();
        });
        List<String> accepted = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (SlowRequest req : requests) {
            int status = req.finish();
            statuses.merge(status, 1, Integer::sum);
            if (status == 202) accepted.addAll(members.get(req));
        }
        System.out.println("drain, answers to the 32 in-flight requests: " + statuses);
        assertThat(p.awaitExit(60)).as("exits within the shutdown timeout; see " + out).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(statuses.keySet()).as("each in-flight request: 202 or 503").isSubsetOf(202, 503);
        assertThat(statuses.getOrDefault(202, 0)).as("requests already in flight are finished, not cut").isEqualTo(32);

        ServiceProcess p2 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        try {
            assertAllReachMeta(p2, "Drain", accepted);
        } finally {
            p2.sigterm(60);
        }
    }

    @Test
    void sigtermWhileAFileIsReadStopsAtAStoredBatchAndTheNextStartResumesIt() throws Exception {
        Path work = ReliabSupport.tempDir("lifecycle-file");
        Path out = work.resolve("stdout.log");
        Map<String, String> props = props(work, freePort(), freePort());
        props.put("sync.batch-size", "1000");
        props.put("sync.file.max-queued-batches", "2"); // reading follows sending: the file is mid-read for seconds
        fake.setUsersLatency(Duration.ofMillis(150));
        try {
            Path inbox = work.resolve("inbox");
            Files.createDirectories(inbox);
            List<String> emails = ReliabSupport.writeCsv(inbox, "MidRead.csv", "midread", 60_000);
            ServiceProcess p = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
            await().atMost(Duration.ofSeconds(120)).until(() -> !p.alive() || received("MidRead") >= 5_000);
            assertThat(p.alive()).as("service died by itself; see " + out).isTrue();
            long t = p.sigterm(60);
            assertThat(t).as("exits within the shutdown timeout; see " + out).isBetween(0L, 30_000L);
            assertThat(p.exitValue()).isZero();
            assertThat(inbox.resolve("MidRead.csv")).as("the file stays in the inbox until every batch is stored").exists();
            long before = received("MidRead");
            assertThat(before).as("stopped mid-file").isLessThan(emails.size());

            fake.setUsersLatency(Duration.ZERO);
            ServiceProcess p2 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
            try {
                assertAllReachMeta(p2, "MidRead", emails);
                // at most the batches in flight at SIGTERM (sync.send.concurrency 2) reach Meta twice
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(inbox.resolve(".done/MidRead.csv")));
                assertThat(received("MidRead")).isBetween((long) emails.size(), emails.size() + 2_000L);
            } finally {
                p2.sigterm(60);
            }
        } finally {
            fake.setUsersLatency(Duration.ZERO);
        }
    }
}
