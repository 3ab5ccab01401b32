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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Calls the Graph API. Plain JDK HttpClient rather than a Camel http endpoint: the access token must never
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
    private final HttpClient http;
    private final Duration requestTimeout;
    private final String appsecretProof;

    public GraphClient(MetaProperties meta, Duration connectTimeout, Duration requestTimeout) {
        this.meta = meta;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
        this.appsecretProof = meta.getAppSecret() == null || meta.getAppSecret().isBlank() || !meta.hasToken() ? null
                : new HmacUtils(HmacAlgorithms.HMAC_SHA_256, meta.getAppSecret()).hmacHex(meta.getAccessToken());
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
        HttpRequest req = HttpRequest.newBuilder(URI.create(base() + "/" + path + "?" + q)).timeout(requestTimeout).GET().build();
        return send(req);
    }

    /** GET of an absolute paging URL Meta returned ("paging.next"); the token is re-applied, never taken from it. */
    public GraphResponse getAbsolute(String url) throws IOException {
        String clean = url.replaceAll("([?&])(access_token|appsecret_proof)=[^&]*&?", "$1");
        StringBuilder q = new StringBuilder();
        appendAuth(q);
        String sep = clean.contains("?") ? (clean.endsWith("?") || clean.endsWith("&") ? "" : "&") : "?";
        HttpRequest req = HttpRequest.newBuilder(URI.create(clean + sep + q)).timeout(requestTimeout).GET().build();
        return send(req);
    }

    public GraphResponse postJson(String path, BodyWriter writer) throws IOException {
        return postJson(path, 1 << 16, writer);
    }

    /** @param sizeHint expected body size in bytes (no longer needed: the body is kept in 64 KB blocks as it is written) */
    public GraphResponse postJson(String path, int sizeHint, BodyWriter writer) throws IOException {
        Blocks body = body(writer);
        // the body in 64 KB blocks, with its length (Content-Length as before): no multi-megabyte array, which
        // G1 allocates as a humongous object, and no copy of the body by the HTTP client
        BlockPublisher publisher = new BlockPublisher(body);
        GraphResponse r = send(HttpRequest.newBuilder(URI.create(base() + "/" + path)).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(publisher, body.size())).build());
        // Meta answered after reading the whole body (every block handed out and the body completed): the blocks
        // are free again. Not after an error or an early answer, when the client may still hold them.
        if (r.status() >= 200 && r.status() < 300 && publisher.completed()) for (byte[] b : body.all()) spare.give(b);
        return r;
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

    /**
     * Publishes the blocks as they are (ByteBuffer.wrap, no copy). The JDK's ofByteArrays copies every array into
     * 16 KB buffers: 6.6 MB more garbage per 10 000-row batch.
     */
    static final class BlockPublisher implements java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> {
        private final java.util.List<byte[]> blocks;
        private final int lastLength;
        /** every block was handed out and the body completed (the last subscription) */
        private volatile boolean completed;

        BlockPublisher(Blocks body) {
            java.util.List<byte[]> all = body.all();
            if (body.lastLength() == 0) all = all.subList(0, all.size() - 1);
            this.blocks = all;
            this.lastLength = body.lastLength() == 0 ? Blocks.BLOCK : body.lastLength();
        }

        boolean completed() { return completed; }

        @Override
        public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> s) {
            s.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                private final java.util.concurrent.atomic.AtomicLong demand = new java.util.concurrent.atomic.AtomicLong();
                private final java.util.concurrent.atomic.AtomicInteger wip = new java.util.concurrent.atomic.AtomicInteger();
                private int next;
                private volatile boolean done;

                @Override
                public void request(long n) {
                    if (done) return;
                    if (n <= 0) {
                        done = true;
                        s.onError(new IllegalArgumentException("non-positive request: " + n));
                        return;
                    }
                    demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    if (wip.getAndIncrement() != 0) return; // another call is draining: it sees the new demand
                    do {
                        while (!done && demand.get() > 0 && next < blocks.size()) {
                            demand.decrementAndGet();
                            int i = next++;
                            s.onNext(java.nio.ByteBuffer.wrap(blocks.get(i), 0, i == blocks.size() - 1 ? lastLength : Blocks.BLOCK));
                        }
                        if (!done && next == blocks.size()) {
                            done = true;
                            s.onComplete();
                            completed = true;
                        }
                    } while (wip.decrementAndGet() != 0);
                }

                @Override
                public void cancel() { done = true; }
            });
        }
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

    private Blocks body(BodyWriter writer) throws IOException {
        Blocks out = new Blocks(spare);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            writer.write(g);
            if (meta.hasToken()) g.writeStringField("access_token", meta.getAccessToken());
            if (appsecretProof != null) g.writeStringField("appsecret_proof", appsecretProof);
            g.writeEndObject();
        }
        return out;
    }

    private void appendAuth(StringBuilder q) {
        if (meta.hasToken()) q.append(q.length() == 0 ? "" : "&").append("access_token=").append(enc(meta.getAccessToken()));
        if (appsecretProof != null) q.append("&appsecret_proof=").append(appsecretProof);
    }

    private GraphResponse send(HttpRequest req) throws IOException {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new GraphResponse(r.statusCode(), r.headers(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
