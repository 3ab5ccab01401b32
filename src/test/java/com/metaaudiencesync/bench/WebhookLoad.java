package com.metaaudiencesync.bench;

import com.metaaudiencesync.MetaAudienceSyncApplication;
import com.metaaudiencesync.config.WebhookListenerBeans;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 *      [--url=http://127.0.0.1:8081] [--singles=100000] [--batches=200] [--batch-size=500] [--connections=32] [--seconds=15] [--warmup=10] [--shapes=identify,native,batch]
 * </pre>
 * Without --url it starts the service in-process (dry-run, H2 file database under target/bench, deleted at the end; the dedicated
 * webhook listener on a free port) and measures both the listener and server.port. Prints requests/s and
 * p50/p99 latency for single-member requests (Segment identify events and native members) and for batches.
 * The client is a plain keep-alive HTTP/1.1 socket per connection (one request in flight each, like a
 * client library's worker): its cost per request is a few microseconds, so what is measured is the service.
 */
public final class WebhookLoad {
    public static void main(String[] args) throws Exception {
        String url = arg(args, "url", null);
        int singles = Math.min(1_000_000, Integer.parseInt(arg(args, "singles", "100000")));
        int batches = Math.min(10_000, Integer.parseInt(arg(args, "batches", "200")));
        int batchSize = Math.min(5_000, Integer.parseInt(arg(args, "batch-size", "500")));
        int conns = Math.min(256, Integer.parseInt(arg(args, "connections", arg(args, "threads", "32"))));
        long seconds = Math.min(300, Long.parseLong(arg(args, "seconds", "15")));
        // each shape runs unmeasured this long first: a fresh JVM compiles (and recompiles) the request path for
        // tens of seconds, and a running service has long done that
        long warmup = Math.min(300, Long.parseLong(arg(args, "warmup", "10")));
        List<String> shapes = List.of(arg(args, "shapes", "identify,native,batch").split(","));

        ConfigurableApplicationContext app = null;
        String dir = null;
        List<String[]> targets = new ArrayList<>();
        if (url == null) {
            dir = "target/bench/" + UUID.randomUUID();
            app = SpringApplication.run(MetaAudienceSyncApplication.class,
                    "--server.port=0", "--server.address=127.0.0.1", "--sync.webhook.port=0", "--sync.webhook.bind-host=127.0.0.1",
                    "--spring.datasource.url=jdbc:h2:file:./" + dir + "/db;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0",
                    "--sync.inbox=" + dir + "/inbox", "--sync.outbox=" + dir + "/outbox", "--sync.dry-run=true",
                    "--logging.level.root=WARN");
            int listener = app.getBean(WebhookListenerBeans.WebhookListener.class).port();
            targets.add(new String[]{"listener", "http://127.0.0.1:" + listener});
            targets.add(new String[]{"server.port", "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port")});
        } else {
            targets.add(new String[]{"", url});
        }
        try {
            for (String[] t : targets) {
                URI base = URI.create(t[1]);
                if (!InetAddress.getByName(base.getHost()).isLoopbackAddress()) throw new IllegalArgumentException("loopback only: " + base.getHost());
                String label = t[0].isEmpty() ? "" : t[0] + " ";
                if (warmup > 0) { // warm-up (JIT), not printed
                    if (shapes.contains("identify")) run(base, "/webhooks/segment", singles, 1, conns, warmup, false);
                    if (shapes.contains("native")) run(base, "/webhooks/members", singles, 1, conns, warmup, true);
                    if (shapes.contains("batch")) run(base, "/webhooks/segment", batches, batchSize, Math.min(conns, 4), warmup, false);
                }
                if (shapes.contains("identify")) print(label + "segment identify x1", run(base, "/webhooks/segment", singles, 1, conns, seconds, false));
                if (shapes.contains("native")) print(label + "native member x1", run(base, "/webhooks/members", singles, 1, conns, seconds, true));
                if (shapes.contains("batch")) print(label + "segment batch x" + batchSize, run(base, "/webhooks/segment", batches, batchSize, Math.min(conns, 4), seconds, false));
            }
        } finally {
            if (app != null) app.close();
            // the service's database and outbox of this run (gigabytes after a long run): not kept
            if (dir != null) FileSystemUtils.deleteRecursively(Path.of(dir));
        }
    }

    record Result(int ok, int failed, long[] nanos, double seconds, long members) {}

    static Result run(URI base, String path, int count, int perRequest, int conns, long seconds, boolean nativeMembers) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
        long[] lat = new long[count];
        AtomicLong members = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(conns);
        String run = Long.toString(System.nanoTime(), 36);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < conns; t++) {
            fs.add(pool.submit(() -> {
                Conn c = null;
                int i;
                while ((i = next.getAndIncrement()) < count && System.nanoTime() < deadline) {
                    byte[] body = (nativeMembers ? nativeBody(run, i) : body(run, i, perRequest)).getBytes(StandardCharsets.UTF_8);
                    long s = System.nanoTime();
                    try {
                        if (c == null) c = new Conn(base);
                        int status = c.post(path, body);
                        lat[i] = System.nanoTime() - s;
                        if (c.closed) { c.close(); c = null; }
                        if (status == 202) { ok.incrementAndGet(); members.addAndGet(perRequest); } else failed.incrementAndGet();
                    } catch (Exception e) {
                        lat[i] = System.nanoTime() - s;
                        failed.incrementAndGet();
                        if (c != null) c.close();
                        c = null;
                    }
                }
                if (c != null) c.close();
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

    /** One keep-alive HTTP/1.1 connection: writes a POST, reads the status line, headers and Content-Length body. */
    static final class Conn {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final String host;
        private final byte[] buf = new byte[64 * 1024];
        private int pos, lim;
        boolean closed;

        Conn(URI base) throws IOException {
            socket = new Socket(base.getHost(), base.getPort());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            in = socket.getInputStream();
            host = base.getHost() + ":" + base.getPort();
        }

        int post(String path, byte[] body) throws IOException {
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            boolean close = false, chunked = false;
            for (String h; !(h = line()).isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
                if (lower.startsWith("connection:") && lower.contains("close")) close = true;
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
            }
            if (chunked) {
                for (int size; (size = Integer.parseInt(line().trim(), 16)) > 0; ) {
                    skip(size);
                    line();
                }
                line(); // the empty line after the last chunk
            } else {
                skip(length);
            }
            closed = close; // e.g. Tomcat's keep-alive limit: the answer counts, the next request reconnects
            return code;
        }

        private void skip(int length) throws IOException {
            for (int left = length; left > 0; ) {
                if (pos == lim) fill();
                int n = Math.min(left, lim - pos);
                pos += n;
                left -= n;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (pos == lim) fill();
                char ch = (char) (buf[pos++] & 0xff);
                if (ch == '\n') break;
                if (ch != '\r') sb.append(ch);
            }
            return sb.toString();
        }

        private void fill() throws IOException {
            lim = in.read(buf);
            pos = 0;
            if (lim <= 0) throw new EOFException("connection closed");
        }

        void close() {
            try { socket.close(); } catch (IOException ignored) { /* closing */ }
        }
    }

    static String nativeBody(String run, int i) {
        return "{\"audience\":\"load_native\",\"action\":\"add\",\"messageId\":\"" + run + "-n-" + i + "\",\"email\":\"native-" + i
                + "@example.com\",\"phone\":\"+1 415 555 " + String.format("%04d", i % 10000) + "\"}";
    }

    static String body(String run, int i, int n) {
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
        if (r.failed() > 0) System.out.printf("  (%d requests failed)%n", r.failed());
        long[] l = r.nanos().clone();
        Arrays.sort(l);
        double p50 = l.length == 0 ? 0 : l[(int) Math.min(l.length - 1, Math.floor(l.length * 0.50))] / 1e6;
        double p99 = l.length == 0 ? 0 : l[(int) Math.min(l.length - 1, Math.floor(l.length * 0.99))] / 1e6;
        System.out.printf("%-36s requests=%d ok=%d failed=%d  %.0f req/s  %.0f members/s  p50=%.1f ms  p99=%.1f ms  (%.1f s)%n",
                what, l.length, r.ok(), r.failed(), l.length / r.seconds(), r.members() / r.seconds(), p50, p99, r.seconds());
    }

    private static String arg(String[] args, String name, String def) {
        for (String a : args) if (a.startsWith("--" + name + "=")) return a.substring(name.length() + 3);
        return def;
    }
}
