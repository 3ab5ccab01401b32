package com.metaaudiencesync.bench;

import com.metaaudiencesync.MetaAudienceSyncApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small load generator for the webhook intake (loopback only, bounded in count and time). Not a test.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat cp.txt) com.metaaudiencesync.bench.WebhookLoad \
 *      [--url=http://127.0.0.1:8080] [--singles=5000] [--batches=40] [--batch-size=500] [--threads=8] [--seconds=30]
 * </pre>
 * Without --url it starts the service in-process (dry-run, H2 file database under target/bench) on a random
 * port. Prints requests/s and p50/p99 latency for single-member requests and for batches.
 */
public final class WebhookLoad {
    public static void main(String[] args) throws Exception {
        String url = arg(args, "url", null);
        int singles = Math.min(200_000, Integer.parseInt(arg(args, "singles", "5000")));
        int batches = Math.min(10_000, Integer.parseInt(arg(args, "batches", "40")));
        int batchSize = Math.min(5_000, Integer.parseInt(arg(args, "batch-size", "500")));
        int threads = Math.min(64, Integer.parseInt(arg(args, "threads", "8")));
        long seconds = Math.min(300, Long.parseLong(arg(args, "seconds", "30")));

        ConfigurableApplicationContext app = null;
        if (url == null) {
            String dir = "target/bench/" + UUID.randomUUID();
            app = SpringApplication.run(MetaAudienceSyncApplication.class,
                    "--server.port=0", "--server.address=127.0.0.1",
                    "--spring.datasource.url=jdbc:h2:file:./" + dir + "/db;DB_CLOSE_ON_EXIT=FALSE",
                    "--sync.inbox=" + dir + "/inbox", "--sync.outbox=" + dir + "/outbox", "--sync.dry-run=true",
                    "--logging.level.root=WARN");
            url = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        }
        URI base = URI.create(url);
        if (!InetAddress.getByName(base.getHost()).isLoopbackAddress()) throw new IllegalArgumentException("loopback only: " + base.getHost());

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            // warm-up
            run(client, base, 500, 1, threads, 10);
            print("single-member", run(client, base, singles, 1, threads, seconds));
            print(batchSize + "-member batch", run(client, base, batches, batchSize, Math.min(threads, 4), seconds));
        } finally {
            if (app != null) app.close();
        }
    }

    record Result(int ok, int failed, long[] nanos, double seconds, long members) {}

    static Result run(HttpClient client, URI base, int count, int perRequest, int threads, long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
        long[] lat = new long[count];
        AtomicLong members = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count && System.nanoTime() < deadline) {
                    String body = body(i, perRequest);
                    HttpRequest req = HttpRequest.newBuilder(base.resolve("/webhooks/segment"))
                            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    long s = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                        lat[i] = System.nanoTime() - s;
                        if (r.statusCode() == 202) { ok.incrementAndGet(); members.addAndGet(perRequest); } else failed.incrementAndGet();
                    } catch (Exception e) {
                        lat[i] = System.nanoTime() - s;
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        double secs = (System.nanoTime() - t0) / 1e9;
        int done = Math.min(count, next.get());
        long[] l = Arrays.copyOf(lat, done);
        return new Result(ok.get(), failed.get(), l, secs, members.get());
    }

    static String body(int i, int n) {
        String run = Long.toString(System.nanoTime(), 36);
        StringBuilder sb = new StringBuilder(n * 260 + 16);
        if (n > 1) sb.append("{\"batch\":[");
        for (int k = 0; k < n; k++) {
            if (k > 0) sb.append(',');
            String user = "load-" + i + "-" + k;
            sb.append("{\"type\":\"identify\",\"messageId\":\"").append(run).append('-').append(i).append('-').append(k)
              .append("\",\"userId\":\"").append(user).append("\",\"timestamp\":\"2024-05-01T10:00:00Z\",")
              .append("\"traits\":{\"email\":\"").append(user).append("@example.com\",\"phone\":\"+1 415 555 ")
              .append(String.format("%04d", (i * 7 + k) % 10000)).append("\",\"load_audience\":true},")
              .append("\"context\":{\"personas\":{\"computation_key\":\"load_audience\"}}}");
        }
        if (n > 1) sb.append("]}");
        return sb.toString();
    }

    static void print(String what, Result r) {
        long[] l = r.nanos().clone();
        Arrays.sort(l);
        double p50 = l.length == 0 ? 0 : l[(int) Math.min(l.length - 1, Math.floor(l.length * 0.50))] / 1e6;
        double p99 = l.length == 0 ? 0 : l[(int) Math.min(l.length - 1, Math.floor(l.length * 0.99))] / 1e6;
        System.out.printf("%-22s requests=%d ok=%d failed=%d  %.0f req/s  %.0f members/s  p50=%.1f ms  p99=%.1f ms  (%.1f s)%n",
                what, l.length, r.ok(), r.failed(), l.length / r.seconds(), r.members() / r.seconds(), p50, p99, r.seconds());
    }

    private static String arg(String[] args, String name, String def) {
        for (String a : args) if (a.startsWith("--" + name + "=")) return a.substring(name.length() + 3);
        return def;
    }
}
