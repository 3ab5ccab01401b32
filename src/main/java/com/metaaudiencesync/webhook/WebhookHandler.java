package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.metaaudiencesync.ops.SyncMetrics;
import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The webhook intake (CONTRACT §4) without any HTTP framework: path + headers + body in, status + headers +
 * JSON body out. Order of checks: path (404), method (405), declared size (413, before reading anything),
 * Authorization (401), capped read (413), signature (401), parse (400 only when the body as a whole is
 * unreadable), capacity (503), one durable transaction (503 when the database fails), then 202 with counts
 * and a result per index. Logs and bodies never hold raw identifiers, tokens or secrets.
 * <p>Each check is a stage method on a {@link WebhookRequest} (the steps of route template webhook-intake);
 * an early answer is thrown as a {@link WebhookAnswer}. {@link #handle} runs the same stages in order.
 */
public class WebhookHandler {
    private static final Logger log = LoggerFactory.getLogger(WebhookHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the body; throws {@link TooLargeException} past the cap. */
    @FunctionalInterface
    public interface BodySource {
        byte[] read(long maxBytes) throws IOException;
    }

    public static final class TooLargeException extends IOException {
        public TooLargeException() { super("body too large"); }
    }

    public static final class Limits {
        long maxBytes = 5L << 20;
        long maxPendingRows = 5_000_000;
        long maxBacklogRowsWhenPaused = 1_000_000;
        int retryAfterSeconds = 5;
        public Limits maxBytes(long v) { maxBytes = v; return this; }
        public Limits maxPendingRows(long v) { maxPendingRows = v; return this; }
        public Limits maxBacklogRowsWhenPaused(long v) { maxBacklogRowsWhenPaused = v; return this; }
        public Limits retryAfterSeconds(int v) { retryAfterSeconds = v; return this; }
    }

    private final WebhookParser parser;
    private final WebhookStore store;
    private final WebhookAuth auth;
    private final Limits limits;
    private final BooleanSupplier sendingOpen;
    private final SyncMetrics metrics;

    // capacity estimate: refreshed from the database at most every refreshMillis, incremented between refreshes
    private final AtomicLong pendingEstimate = new AtomicLong();
    private final AtomicLong queuedEstimate = new AtomicLong();
    private volatile long estimateAt;
    private final long refreshMillis = 1000;

    public WebhookHandler(WebhookParser parser, WebhookStore store, WebhookAuth auth, Limits limits, BooleanSupplier sendingOpen, SyncMetrics metrics) {
        this.parser = parser;
        this.store = store;
        this.auth = auth;
        this.limits = limits;
        this.sendingOpen = sendingOpen;
        this.metrics = metrics;
    }

    enum Channel { MEMBERS, SEGMENT }

    static Channel channel(String path) {
        String p = path == null ? "" : path;
        int q = p.indexOf('?');
        if (q >= 0) p = p.substring(0, q);
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return switch (p) {
            case "/webhooks/members" -> Channel.MEMBERS;
            case "/webhooks/segment", "/v1/batch", "/v1/identify", "/v1/track", "/v1/b", "/v1/i", "/v1/t" -> Channel.SEGMENT;
            default -> null;
        };
    }

    static String pathType(String path) {
        if (path == null) return null;
        if (path.startsWith("/v1/identify") || path.equals("/v1/i")) return "identify";
        if (path.startsWith("/v1/track") || path.equals("/v1/t")) return "track";
        return null;
    }

    /** For tests and callers that already hold the whole body (POST assumed). */
    public WebhookResult handle(String path, byte[] body, Map<String, String> headers) {
        return handle("POST", path, headers, max -> {
            if (body != null && body.length > max) throw new TooLargeException();
            return body == null ? new byte[0] : body;
        });
    }

    /** The stages in order, as the webhook-intake route runs them: the answer (202 or an early problem answer). */
    public WebhookResult handle(String method, String path, Map<String, String> rawHeaders, BodySource bodySource) {
        WebhookRequest r = new WebhookRequest(method, path, rawHeaders, bodySource);
        try {
            authenticate(r);
            parse(r);
            normalize(r);
            checkCapacity(r);
            store(r);
            return reply(r);
        } catch (WebhookAnswer a) {
            return a.result();
        }
    }

    /**
     * Stage 1: path (404), method (405), declared size (413, before reading anything), Authorization (401),
     * capped read of the raw bytes (413), signature over those bytes (401).
     */
    public void authenticate(WebhookRequest r) {
        r.channel = channel(r.path);
        if (r.channel == null) throw new WebhookAnswer(Problems.notFound());
        if (!"POST".equalsIgnoreCase(r.method)) throw new WebhookAnswer(Problems.methodNotAllowed());
        String cl = r.headers.get("Content-Length");
        if (cl != null) {
            try {
                if (Long.parseLong(cl.trim()) > limits.maxBytes) throw new WebhookAnswer(tooLarge());
            } catch (NumberFormatException e) {
                throw new WebhookAnswer(Problems.unreadable("invalid Content-Length"));
            }
        }
        if (!auth.headersOk(r.headers)) throw new WebhookAnswer(unauthorized());
        try {
            r.body = r.bodySource.read(limits.maxBytes);
        } catch (TooLargeException e) {
            throw new WebhookAnswer(tooLarge());
        } catch (IOException e) {
            throw new WebhookAnswer(Problems.unreadable("the body could not be read completely"));
        }
        if (!auth.signatureOk(r.headers, r.body)) throw new WebhookAnswer(unauthorized());
    }

    /** Stage 2: JSON → one item per member / event (400 only when the body as a whole is unreadable). */
    public void parse(WebhookRequest r) {
        try {
            r.items = r.channel == Channel.MEMBERS ? parser.readMembers(r.body) : parser.readSegment(r.body, pathType(r.path));
        } catch (WebhookParser.UnreadableBodyException e) {
            metrics.webhookEvents("unreadable", 1);
            throw new WebhookAnswer(Problems.unreadable(e.getMessage()));
        }
    }

    /** Stage 3: identifiers → final SHA-256 rows; a member the normalizer refuses is rejected alone. */
    public void normalize(WebhookRequest r) { parser.normalize(r.items); }

    /** Stage 4: 503 + Retry-After when the pending backlog (or the paused backlog) has no room for these rows. */
    public void checkCapacity(WebhookRequest r) {
        int incoming = 0;
        for (WebhookItem it : r.items) if (it.candidate()) incoming += it.rowCount();
        WebhookResult full;
        try {
            full = capacity(incoming);
        } catch (DataAccessException | TransactionException e) {
            throw unavailable(r, e);
        }
        if (full != null) throw new WebhookAnswer(full);
    }

    /** Stage 5: one durable transaction into mas_pending (503 + Retry-After when the database fails). */
    public void store(WebhookRequest r) {
        String source = r.channel == Channel.MEMBERS ? "webhook:members" : "webhook:segment";
        try {
            r.rows = store.commit(r.items, source);
        } catch (DataAccessException | TransactionException e) {
            throw unavailable(r, e);
        }
        pendingEstimate.addAndGet(r.rows);
    }

    /** Stage 6: 202 with counts and a result per index (only reached after the commit). */
    public WebhookResult reply(WebhookRequest r) { return accepted(r.items, r.rows); }

    private WebhookAnswer unavailable(WebhookRequest r, RuntimeException e) {
        metrics.webhookEvents("unavailable", r.items.size());
        log.warn("Webhook request not stored, answered 503 (the client retries): {}", e.getClass().getSimpleName());
        return new WebhookAnswer(Problems.unavailable(limits.retryAfterSeconds, "members cannot be stored durably right now; retry later"));
    }

    private WebhookResult capacity(int incoming) {
        long now = System.currentTimeMillis();
        if (now - estimateAt > refreshMillis) {
            synchronized (this) {
                if (now - estimateAt > refreshMillis) {
                    pendingEstimate.set(store.pendingRows());
                    queuedEstimate.set(sendingOpen.getAsBoolean() ? 0 : store.queuedRows());
                    estimateAt = now;
                }
            }
        }
        long pendingRows = pendingEstimate.get();
        if (pendingRows + incoming > limits.maxPendingRows) {
            metrics.webhookEvents("backlog_full", 1);
            return Problems.unavailable(Math.max(limits.retryAfterSeconds, 30), "the pending backlog is full (sync.webhook.max-pending-rows); retry later");
        }
        if (!sendingOpen.getAsBoolean() && pendingRows + queuedEstimate.get() + incoming > limits.maxBacklogRowsWhenPaused) {
            metrics.webhookEvents("paused_backlog_full", 1);
            return Problems.unavailable(Math.max(limits.retryAfterSeconds, 60), "sending to Meta is paused and the backlog is at its bound; retry later");
        }
        return null;
    }

    /** forget the capacity estimate (next request reads the database) */
    public void refreshCapacity() { estimateAt = 0; }

    private WebhookResult accepted(List<WebhookItem> items, int rows) {
        int acc = 0, ign = 0, rej = 0, dup = 0;
        ObjectNode root = JSON.createObjectNode();
        ArrayNode results = JSON.createArrayNode();
        for (WebhookItem it : items) {
            ObjectNode r = results.addObject();
            r.put("index", it.index());
            r.put("status", it.status().name().toLowerCase(Locale.ROOT));
            if (it.reason() != null) r.put("reason", it.reason());
            switch (it.status()) {
                case ACCEPTED -> acc++;
                case IGNORED -> { ign++; counter("mas_webhook_ignored", it.reason()); }
                case REJECTED -> { rej++; metrics.rowsRejected("webhook", it.reason(), 1); }
                case DUPLICATE -> dup++;
            }
        }
        metrics.rowsRead("webhook", items.size());
        if (acc > 0) metrics.rowsAccepted("webhook", acc);
        if (acc > 0) metrics.webhookEvents("accepted", acc);
        if (ign > 0) metrics.webhookEvents("ignored", ign);
        if (rej > 0) metrics.webhookEvents("rejected", rej);
        if (dup > 0) metrics.webhookEvents("duplicate", dup);
        root.put("accepted", acc);
        root.put("ignored", ign);
        root.put("rejected", rej);
        root.put("duplicates", dup);
        root.put("rows", rows);
        root.set("results", results);
        return WebhookResult.json(202, "application/json", root.toString());
    }

    private void counter(String name, String reason) {
        Counter.builder(name).tag("reason", reason == null ? "unknown" : reason).register(metrics.registry()).increment();
    }

    private WebhookResult unauthorized() {
        metrics.webhookEvents("unauthorized", 1);
        return Problems.unauthorized();
    }

    private WebhookResult tooLarge() {
        metrics.webhookEvents("too_large", 1);
        return Problems.tooLarge(limits.maxBytes);
    }

    /** Reads at most max bytes (+1 to detect more) from a stream: never the whole of an oversized body. */
    public static byte[] readCapped(InputStream in, long max) throws IOException {
        if (in == null) return new byte[0];
        int cap = (int) Math.min(Integer.MAX_VALUE - 16, max);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(cap, 8192));
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > max) throw new TooLargeException();
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
