package com.metaaudiencesync.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.config.MetaProperties;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.HttpURLConnection;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Calls the Graph API with the JDK's own clients (HttpURLConnection for POSTs, HttpClient for GETs; see
 * {@link #exchange}) rather than a Camel http endpoint: the access token must never
 * be part of an endpoint URI (Camel registers, dumps and logs endpoint URIs), POST bodies are JSON built in
 * one pass from the stored batch, and timeouts are per request. POST parameters, access_token included,
 * travel in the JSON body; GET parameters in the query string (never logged: log lines name the method and path only).
 */
public class GraphClient {
    private static final JsonFactory JSON = new JsonFactory();

    /** Writes the request's own JSON fields (payload, session, method, ...). */
    public interface BodyWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private final MetaProperties meta;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    /** GETs (audience lookups, the account probe): their token is in the query string, which HttpURLConnection logs at DEBUG */
    private final java.net.http.HttpClient http;
    private final String appsecretProof;
    /** sees every answer (API version notices); none by default */
    private volatile Consumer<GraphResponse> responseObserver = r -> { };

    public GraphClient(MetaProperties meta, Duration connectTimeout, Duration requestTimeout) {
        this.meta = meta;
        this.requestTimeout = requestTimeout;
        this.connectTimeout = connectTimeout;
        this.http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
        this.appsecretProof = meta.getAppSecret() == null || meta.getAppSecret().isBlank() || !meta.hasToken() ? null
                : new HmacUtils(HmacAlgorithms.HMAC_SHA_256, meta.getAppSecret()).hmacHex(meta.getAccessToken());
    }

    public void setResponseObserver(Consumer<GraphResponse> observer) { this.responseObserver = observer; }

    private GraphResponse observed(GraphResponse r) {
        try {
            responseObserver.accept(r);
        } catch (RuntimeException e) {
            // an observer never costs the call its answer
        }
        return r;
    }

    public String base() {
        String b = meta.getGraphUrl();
        if (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        return b + "/" + meta.getApiVersion();
    }

    public String accountPath() { return "act_" + meta.accountDigits(); }

    public GraphResponse get(String path, Map<String, String> params) throws IOException {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            q.append(q.length() == 0 ? "" : "&").append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        appendAuth(q);
        return get(URI.create(base() + "/" + path + "?" + q));
    }

    /** GET of an absolute paging URL Meta returned ("paging.next"); the token is re-applied, never taken from it. */
    public GraphResponse getAbsolute(String url) throws IOException {
        String clean = url.replaceAll("([?&])(access_token|appsecret_proof)=[^&]*&?", "$1");
        StringBuilder q = new StringBuilder();
        appendAuth(q);
        String sep = clean.contains("?") ? (clean.endsWith("?") || clean.endsWith("&") ? "" : "&") : "?";
        return get(URI.create(clean + sep + q));
    }

    public GraphResponse postJson(String path, BodyWriter writer) throws IOException {
        return postJson(path, 1 << 16, writer);
    }

    /** @param sizeHint expected body size in bytes (no longer needed: the body is kept in 64 KB blocks as it is written) */
    public GraphResponse postJson(String path, int sizeHint, BodyWriter writer) throws IOException {
        return postJson(path, sizeHint, writer, null);
    }

    /**
     * @param beforeSend run once the body is built, right before the request goes out (a rate limiter paces the
     *                   moment Meta sees the request, not the moment its body was begun); null for none. The request
     *                   timeout starts after it.
     */
    public GraphResponse postJson(String path, int sizeHint, BodyWriter writer, Runnable beforeSend) throws IOException {
        Blocks body = body(writer);
        // the body in 64 KB blocks, with its length (Content-Length as before): no multi-megabyte array, which
        // G1 allocates as a humongous object. The blocks are written to the connection one after the other, and
        // once the call returns (answered or failed) nothing holds them: they are free again.
        try {
            return exchange("POST", base() + "/" + path, body, beforeSend);
        } finally {
            for (byte[] b : body.all()) spare.give(b);
        }
    }

    /**
     * Body blocks of answered requests, reused by the next ones. A 10 000-row body is ≈ 6.6 MB and lives as long
     * as its request (tens of milliseconds): long enough to be copied by young collections and promoted, then
     * collected as old garbage (G1 ran a concurrent cycle every second or so on the Graph path). Reused blocks
     * stay put instead. At most 1/16 of the heap (and 32 MB) is kept.
     */
    private final com.metaaudiencesync.store.BlockPool spare = com.metaaudiencesync.store.BlockPool.ofHeap(16, 512);

    int spareBlocks() { return spare.size(); }

    /** Writes the JSON body a POST would carry, without credentials, to {@code out} (dry-run outbox). */
    public static void writeBodyWithoutAuth(java.io.OutputStream out, BodyWriter writer) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            writer.write(g);
            g.writeEndObject();
        }
    }

    /** An output stream that keeps what is written in 64 KB blocks (the last one used up to {@link #lastLength()}). */
    static final class Blocks extends java.io.OutputStream {
        static final int BLOCK = com.metaaudiencesync.store.BlockPool.BLOCK;
        private final java.util.List<byte[]> full = new java.util.ArrayList<>();
        private final com.metaaudiencesync.store.BlockPool spare;
        private byte[] cur;
        private int pos;
        private long size;

        Blocks() { this(null); }

        Blocks(com.metaaudiencesync.store.BlockPool spare) {
            this.spare = spare;
            this.cur = fresh();
        }

        private byte[] fresh() { return spare == null ? new byte[BLOCK] : spare.take(); }

        @Override public void write(int b) {
            if (pos == BLOCK) next();
            cur[pos++] = (byte) b;
            size++;
        }

        @Override public void write(byte[] b, int off, int len) {
            while (len > 0) {
                if (pos == BLOCK) next();
                int n = Math.min(len, BLOCK - pos);
                System.arraycopy(b, off, cur, pos, n);
                pos += n;
                off += n;
                len -= n;
                size += n;
            }
        }

        private void next() {
            full.add(cur);
            cur = fresh();
            pos = 0;
        }

        long size() { return size; }

        /** every block in order, the last one used up to {@link #lastLength()} */
        java.util.List<byte[]> all() {
            java.util.List<byte[]> l = new java.util.ArrayList<>(full.size() + 1);
            l.addAll(full);
            l.add(cur);
            return l;
        }

        int lastLength() { return pos; }

    }

    /** The JSON body a POST would carry, without credentials (what dry-run writes to the outbox). */
    public static byte[] bodyWithoutAuth(BodyWriter writer) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                writer.write(g);
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Blocks body(BodyWriter writer) throws IOException { return body(writer, true); }

    private Blocks body(BodyWriter writer, boolean auth) throws IOException {
        Blocks out = new Blocks(spare);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            writer.write(g);
            if (auth && meta.hasToken()) g.writeStringField("access_token", meta.getAccessToken());
            if (auth && appsecretProof != null) g.writeStringField("appsecret_proof", appsecretProof);
            g.writeEndObject();
        }
        return out;
    }

    private void appendAuth(StringBuilder q) {
        if (meta.hasToken()) q.append(q.length() == 0 ? "" : "&").append("access_token=").append(enc(meta.getAccessToken()));
        if (appsecretProof != null) q.append("&appsecret_proof=").append(appsecretProof);
    }

    /**
     * One POST over the JDK's {@link HttpURLConnection} (HTTP/1.1, kept-alive connections reused by the JDK):
     * the calling thread writes the body and reads the answer itself. The JDK's HttpClient, used before, handed
     * each 64 KB block through its reactive pipeline and its own threads; on the Graph path that machinery, and
     * the JIT compiling it again and again, cost more CPU than the bytes (see README, Performance). The request
     * timeout is a deadline for the whole exchange: a watchdog closes the connection when it passes (a socket
     * write has no timeout of its own), and the caller gets an {@link HttpTimeoutException} as before. A POST
     * carries the token in its JSON body, never in its request line or headers, which HttpURLConnection logs at
     * DEBUG; GETs, whose token is in the query string, stay on the JDK's HttpClient ({@link #get(URI)}).
     */
    private GraphResponse exchange(String method, String url, Blocks body, Runnable beforeSend) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(millis(connectTimeout));
        c.setReadTimeout(millis(requestTimeout));
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod(method);
        c.setRequestProperty("Accept", "application/json");
        if (beforeSend != null) beforeSend.run();
        java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> {
            expired.set(true);
            c.disconnect();
        }, requestTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(body.size());
                try (java.io.OutputStream out = c.getOutputStream()) {
                    java.util.List<byte[]> blocks = body.all();
                    for (int i = 0; i < blocks.size(); i++) {
                        out.write(blocks.get(i), 0, i == blocks.size() - 1 ? body.lastLength() : Blocks.BLOCK);
                    }
                }
            }
            int status = c.getResponseCode();
            java.io.InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text;
            if (in == null) {
                text = "";
            } else {
                try (in) { text = new String(in.readAllBytes(), StandardCharsets.UTF_8); } // read to the end: the connection is then reused
            }
            Map<String, java.util.List<String>> fields = new java.util.HashMap<>();
            c.getHeaderFields().forEach((k, v) -> { if (k != null) fields.put(k, v); });
            return observed(new GraphResponse(status, HttpHeaders.of(fields, (k, v) -> true), text));
        } catch (IOException e) {
            if (expired.get()) {
                HttpTimeoutException t = new HttpTimeoutException("request timed out after " + requestTimeout.toMillis() + " ms");
                t.initCause(e);
                throw t;
            }
            c.disconnect(); // a failed exchange: the connection is not reused
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private GraphResponse get(URI uri) throws IOException {
        try {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return observed(new GraphResponse(r.statusCode(), r.headers(), r.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static int millis(Duration d) { return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis())); }

    /** closes connections whose request outlived its timeout (one daemon thread for every client) */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor WATCHDOG;
    static {
        // HttpURLConnection keeps at most http.maxConnections idle connections per host (JDK default 5): with
        // sync.send.concurrency above that, the extra workers would open a new (TLS) connection per request
        if (System.getProperty("http.maxConnections") == null) System.setProperty("http.maxConnections", "32");
        WATCHDOG = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "mas-graph-deadline");
            t.setDaemon(true);
            return t;
        });
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
