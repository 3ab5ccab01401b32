package com.metaaudiencesync.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.meta.AudienceResolver;
import com.metaaudiencesync.meta.GraphCallException;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.ops.AudienceFlags;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends stored batches to Meta and decides, per answer, what happens to the batch: acknowledged (deleted),
 * retried later (durably: attempts and next attempt time are in the database, not in memory), dead-lettered
 * with the reason, or held back while the account is paused. Rate ceiling and concurrency per ad account
 * come from sync.send.*.
 */
public class BatchSender {
    private static final Logger log = LoggerFactory.getLogger(BatchSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BatchStore store;
    private final GraphClient graph;
    private final AudienceResolver audiences;
    private final AccountGate gate;
    private final SyncProperties sync;
    private final MetaProperties meta;
    private final SyncMetrics metrics;
    private final boolean dryRun;
    private final RequestPacer limiter;
    private final Semaphore inflight;
    private final List<DeliveryListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong sessionIds = new AtomicLong(System.currentTimeMillis() * 1000);
    /** Meta said how long the ad account must wait (estimated_time_to_regain_access, Retry-After): nothing is sent before */
    private volatile long throttledUntil;

    public BatchSender(BatchStore store, GraphClient graph, AudienceResolver audiences, AccountGate gate,
                       SyncProperties sync, MetaProperties meta, SyncMetrics metrics, boolean dryRun) {
        this.store = store;
        this.graph = graph;
        this.audiences = audiences;
        this.gate = gate;
        this.sync = sync;
        this.meta = meta;
        this.metrics = metrics;
        this.dryRun = dryRun;
        this.limiter = new RequestPacer(sync.getSend().getMaxRequestsPerSecond());
        this.inflight = new Semaphore(Math.max(1, sync.getSend().getConcurrency()));
    }

    static final String PAYLOAD_MISSING_REASON = "the batch's stored rows are missing (its payload file was deleted from the spool directory)";

    public void addListener(DeliveryListener l) { listeners.add(l); }

    /** audiences Meta flagged (operation_status 471): their batches are dead-lettered without a request */
    private volatile AudienceFlags flags;

    public void setAudienceFlags(AudienceFlags f) { this.flags = f; }

    /** True (and the batch dead-lettered) when its audience is flagged: nothing is sent to it, other audiences keep flowing. */
    private boolean deadIfFlagged(Batch b, String audienceId) {
        AudienceFlags f = flags;
        if (f == null || !f.isFlagged(b.audience(), audienceId)) return false;
        dead(b, GraphErrorClassifier.FLAGGED_REASON + " " + GraphErrorClassifier.FLAGGED_ACTION + " (not sent: the audience was already flagged)",
                GraphErrorClassifier.AUDIENCE_FLAGGED, b.attempts());
        return true;
    }

    public boolean isDryRun() { return dryRun; }

    /**
     * The sending workers of one tick of the send route: {@code sync.send.concurrency} of them, or none while the
     * account is paused or throttled. Each worker calls {@link #sendNext} until it returns false, so a slot that
     * frees up takes the next batch at once (the route used to claim a handful of batches and wait for the slowest
     * before claiming again: one request in flight instead of two for part of the time, and a tick's pause between
     * groups). Leases of crashed instances are recovered once per tick.
     */
    public List<Boolean> workers() {
        if (!dryRun && (!gate.isOpen() || throttled())) return List.of();
        long now = System.currentTimeMillis();
        if (now - lastRecovery >= RECOVERY_INTERVAL_MILLIS) {
            // a lease lasts sync.lease-time (a minute by default): looking for expired ones every few seconds is
            // enough, and is one UPDATE less per tick (ten ticks a second)
            lastRecovery = now;
            store.recoverExpired();
        }
        return java.util.Collections.nCopies(Math.max(1, sync.getSend().getConcurrency()), Boolean.TRUE);
    }

    /**
     * One step of a sending worker: claims the oldest ready batch and sends it (acknowledged, retried later,
     * dead-lettered or released, as {@link #send} decides). False when there was nothing to claim, or the account
     * is paused or throttled: the worker stops, and the next tick starts it again.
     */
    public boolean sendNext() {
        while (true) {
            if (!dryRun && (!gate.isOpen() || throttled())) return false;
            long seen = store.storedCount();
            List<Batch> claimed = store.claimReady(1, List.of());
            if (!claimed.isEmpty()) {
                send(claimed.get(0));
                return true;
            }
            // nothing ready: a file being read stores a batch every few tens of milliseconds, so the worker waits a
            // little for the next one (woken when it is committed) instead of ending and leaving it to the next tick
            try {
                if (!store.awaitStored(seen, IDLE_WAIT_MILLIS)) return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** how often the send route's ticks look for batches whose lease expired (a crashed instance's) */
    static final long RECOVERY_INTERVAL_MILLIS = 5_000;
    private volatile long lastRecovery;

    /** how long a sending worker with nothing to send waits for this instance to store a batch before it ends */
    static final long IDLE_WAIT_MILLIS = 200;

    public void send(Batch b) {
        try {
            sendOne(b);
        } finally {
            // the request body was built from it and the batch is settled (sent, retried later from its stored copy,
            // dead-lettered or released): its blocks go to the next payloads
            com.metaaudiencesync.store.Payload.recycle(b.payload());
        }
    }

    private void sendOne(Batch b) {
        if (b.payload() == null) { dead(b, PAYLOAD_MISSING_REASON, "payload_missing", b.attempts()); return; }
        if (!dryRun && !gate.isOpen()) { store.release(b, 0); return; }
        if (dryRun) { writeOutbox(b, null); acknowledged(b, b.rowCount(), 0); return; }
        String audienceId;
        try {
            audienceId = b.action() == Action.REMOVE_ALL ? "" : resolve(b);
        } catch (GraphCallException e) {
            failed(b, e.outcome());
            return;
        } catch (AudienceResolver.CreationInProgress e) {
            store.release(b, 1000);
            return;
        } catch (IOException e) {
            failed(b, GraphErrorClassifier.classify(e));
            return;
        }
        if (audienceId == null) {
            dead(b, "audience '" + b.audience().display() + "' does not exist in the ad account; a remove never creates an audience", "audience_not_found", b.attempts());
            return;
        }
        if (deadIfFlagged(b, audienceId)) return;
        Outcome o = call(b, audienceId, null);
        if (o == HELD_BACK) { store.release(b, Math.max(0, throttledUntil - System.currentTimeMillis())); return; }
        if (o.kind() != Outcome.Kind.SUCCESS) failed(b, o);
    }

    /**
     * Sends one replace group (a .replace file) as one usersreplace session. A retryable failure of a later batch
     * is sent again in the same session; any other failure (or one of batch 1, or a crash) restarts the replace
     * from batch 1 with a new session.
     */
    public void sendGroup() {
        if (!dryRun && (!gate.isOpen() || throttled())) return;
        List<Batch> group = store.claimGroup();
        if (group.isEmpty()) return;
        try {
            sendGroup(group);
        } finally {
            for (Batch b : group) com.metaaudiencesync.store.Payload.recycle(b.payload());
        }
    }

    private void sendGroup(List<Batch> group) {
        if (group.stream().anyMatch(b -> b.payload() == null)) {
            // a replace cannot be sent without all of its batches
            for (Batch b : group) {
                dead(b, b.payload() == null ? PAYLOAD_MISSING_REASON
                        : "another batch of this replace group lost its stored rows (payload file deleted); the replace cannot be sent without it",
                        "payload_missing", b.attempts());
            }
            return;
        }
        Batch first = group.get(0);
        long total = group.stream().mapToLong(Batch::rowCount).sum();
        long sessionId = sessionIds.incrementAndGet();
        String audienceId = null;
        if (!dryRun) {
            try {
                audienceId = resolve(first);
            } catch (GraphCallException e) {
                groupFailed(group, e.outcome());
                return;
            } catch (AudienceResolver.CreationInProgress e) {
                for (Batch b : group) store.release(b, 1000);
                return;
            } catch (IOException e) {
                groupFailed(group, GraphErrorClassifier.classify(e));
                return;
            }
        }
        if (!dryRun && flags != null && flags.isFlagged(first.audience(), audienceId)) {
            for (Batch b : group) deadIfFlagged(b, audienceId);
            return;
        }
        long received = 0, invalid = 0;
        for (int i = 0; i < group.size(); i++) {
            Batch b = group.get(i);
            boolean last = i == group.size() - 1;
            Session s = new Session(sessionId, i + 1, last, total);
            if (dryRun) { writeOutbox(b, s); continue; }
            long[] counts = new long[2];
            Outcome o = callCounting(b, audienceId, s, counts);
            // Once batch 1 opened the session, Meta keeps it open (up to 90 min) and refuses a new one meanwhile
            // (2650/1870145): restarting from batch 1 would stall the replace. A later batch_seq may be sent again
            // (meta-api.md §3), so a retryable failure after batch 1 is retried in the same session first.
            for (int attempt = 1; i > 0 && o.retryable() && attempt < sync.getRetry().getMaxAttempts() && gate.isOpen(); attempt++) {
                long delay = backoff(attempt, o.waitMillis());
                log.warn("Replace session {} for audience {}: batch {}/{} failed ({}), sent again in the same session in {} ms",
                        sessionId, b.audience().display(), i + 1, group.size(), o.message(), delay);
                metrics.retry(o.code());
                if (!pause(delay, group)) break;
                o = callCounting(b, audienceId, s, counts);
            }
            if (o.kind() != Outcome.Kind.SUCCESS) {
                log.warn("Replace session {} for audience {} failed at batch {}/{}: {}; the whole replace restarts from batch 1 with a new session",
                        sessionId, b.audience().display(), i + 1, group.size(), o.message());
                groupFailed(group, o);
                return;
            }
            received = Math.max(received, counts[0]); // num_received counts the whole session so far (meta-api.md §5)
            invalid += counts[1];
            store.renew(group.stream().map(Batch::id).toList());
        }
        for (Batch b : group) {
            acknowledged(b, dryRun ? b.rowCount() : -1, 0);
        }
        log.info("Replace of audience {} done: {} batches, {} rows, session {}, Meta received {}", first.audience().display(), group.size(), total, sessionId, received);
        if (invalid > 0) metrics.metaInvalidEntries(invalid);
    }

    record Session(long id, int seq, boolean last, long total) {}

    /** Waits during a replace session, keeping the group's lease; false when interrupted (shutdown). */
    private boolean pause(long millis, List<Batch> group) {
        long until = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < until) {
                Thread.sleep(Math.min(1000, Math.max(1, until - System.currentTimeMillis())));
                store.renew(group.stream().map(Batch::id).toList());
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** marks a batch not sent because the account is throttled (it goes back to the queue as it was) */
    private static final Outcome HELD_BACK = new Outcome(Outcome.Kind.THROTTLE, "held_back", null, "the ad account is waiting as Meta asked", 0, null);

    /** True while Meta's requested wait for this ad account runs (the limit is per account, not per batch). */
    public boolean throttled() { return System.currentTimeMillis() < throttledUntil; }

    private String resolve(Batch b) throws GraphCallException, IOException, AudienceResolver.CreationInProgress {
        if (b.audience().id() != null) return b.audience().id();
        boolean mayCreate = b.action() == Action.ADD || b.action() == Action.REPLACE;
        return audiences.resolve(b.audience().name(), mayCreate);
    }

    private Outcome call(Batch b, String audienceId, Session s) {
        long[] counts = new long[2];
        Outcome o = callCounting(b, audienceId, s, counts);
        if (o.kind() == Outcome.Kind.SUCCESS) acknowledged(b, counts[0], counts[1]);
        return o;
    }

    private Outcome callCounting(Batch b, String audienceId, Session s, long[] counts) {
        String path = path(b.action(), audienceId);
        inflight.acquireUninterruptibly();
        long[] t0 = {System.nanoTime()};
        try {
            // claimed before Meta asked the account to wait: put back without using an attempt
            if (s == null && throttled()) return HELD_BACK;
            // paced right before the request goes out (body built, connection about to be used): a body that took
            // long to build, or a wait for a request slot, no longer lets the next requests reach Meta in a bunch
            GraphResponse r = graph.postJson(path, RequestBodies.sizeHint(b.payload()), g -> {
                if (b.action() == Action.REMOVE || b.action() == Action.REMOVE_ALL) g.writeStringField("method", "DELETE");
                RequestBodies.payload(g, b.payload(), b.ldu());
                if (s != null) RequestBodies.session(g, s.id(), s.seq(), s.last(), s.total());
            }, () -> {
                limiter.acquire();
                t0[0] = System.nanoTime();
            });
            metrics.graphLatency(b.action().wire(), Duration.ofNanos(System.nanoTime() - t0[0]));
            Outcome o = GraphErrorClassifier.classify(r);
            if (o.kind() == Outcome.Kind.SUCCESS) {
                try {
                    JsonNode root = JSON.readTree(r.body());
                    counts[0] = root.path("num_received").asLong(b.rowCount());
                    counts[1] = root.path("num_invalid_entries").asLong(0);
                } catch (IOException e) {
                    counts[0] = b.rowCount();
                }
            }
            return o;
        } catch (IOException e) {
            metrics.graphLatency(b.action().wire(), Duration.ofNanos(System.nanoTime() - t0[0]));
            return GraphErrorClassifier.classify(e);
        } finally {
            inflight.release();
        }
    }

    private String path(Action a, String audienceId) {
        return switch (a) {
            case ADD, REMOVE -> audienceId + "/users";
            case REPLACE -> audienceId + "/usersreplace";
            case REMOVE_ALL -> graph.accountPath() + "/usersofanyaudience";
        };
    }

    private void acknowledged(Batch b, long numReceived, long numInvalid) {
        long received = numReceived < 0 ? b.rowCount() : numReceived;
        boolean together = false;
        try {
            // the batch leaves the queue and the listeners count it (file counters, audience registry, poll state)
            // in one transaction: one commit instead of three or more (with H2 each commit writes a chunk of the
            // database file; this was most of the commits of a file's sending)
            store.inTransaction(() -> {
                store.delete(b.id());
                for (DeliveryListener l : listeners) l.delivered(b, received, numInvalid);
            });
            together = true;
        } catch (RuntimeException e) {
            log.warn("Batch {}: acknowledging it together with its counters failed ({}); acknowledging it alone", b.id(), e.toString());
        }
        if (!together) {
            // as before the combined transaction: the acknowledgement first, the counters best effort
            store.delete(b.id());
            for (DeliveryListener l : listeners) {
                try { l.delivered(b, received, numInvalid); } catch (RuntimeException e) { log.warn("delivery listener failed: {}", e.toString()); }
            }
        }
        metrics.rowsSent(b.audience().display(), b.action().wire(), b.rowCount());
        metrics.batch(b.action().wire(), dryRun ? "dry_run" : "sent");
        metrics.markSuccess();
        if (numInvalid > 0) metrics.metaInvalidEntries(numInvalid);
        log.info("Batch {} {} audience={} rows={} metaReceived={} metaInvalid={}{}", b.id(), b.action().wire(), b.audience().display(),
                b.rowCount(), received, numInvalid, dryRun ? " (dry-run: written to outbox)" : "");
    }

    private void failed(Batch b, Outcome o) {
        if (o.pausesAccount()) {
            gate.block(o);
            store.release(b, 0);
            return;
        }
        int attempts = b.attempts() + 1;
        AudienceFlags f = flags;
        if (f != null && GraphErrorClassifier.audienceFlagged(o)) f.flag(b.audience(), b.audience().id(), o.message());
        if (o.kind() == Outcome.Kind.PERMANENT) {
            dead(b, o.message(), o.code(), attempts);
            return;
        }
        if (o.kind() == Outcome.Kind.THROTTLE && o.waitMillis() > 0) {
            long until = System.currentTimeMillis() + o.waitMillis();
            synchronized (this) {
                if (until > throttledUntil) {
                    if (!throttled()) log.warn("Meta rate limit for the ad account ({}): sending waits {} s as Meta asks; nothing is lost", o.message(), o.waitMillis() / 1000);
                    throttledUntil = until;
                }
            }
        }
        long sinceFirst = b.firstFailureAt() == null ? 0 : System.currentTimeMillis() - b.firstFailureAt();
        // a throttle is the account's state, not the batch's fault: it never uses up the batch's attempts, only its total time
        boolean attemptsExhausted = o.kind() != Outcome.Kind.THROTTLE && attempts >= sync.getRetry().getMaxAttempts();
        if (attemptsExhausted || sinceFirst > sync.getRetry().getMaxTotal().toMillis()) {
            dead(b, "gave up after " + attempts + " attempts: " + o.message(), o.code(), attempts);
            return;
        }
        long delay = backoff(attempts, o.waitMillis());
        metrics.retry(o.code());
        metrics.batch(b.action().wire(), "retry");
        log.warn("Batch {} {} audience={} rows={} attempt {} failed ({}): retry in {} ms", b.id(), b.action().wire(), b.audience().display(),
                b.rowCount(), attempts, o.message(), delay);
        store.retryLater(b, delay, o.message());
    }

    private void groupFailed(List<Batch> group, Outcome o) {
        if (o.pausesAccount()) {
            gate.block(o);
            for (Batch b : group) store.release(b, 0);
            return;
        }
        for (Batch b : group) failed(b, o);
    }

    /** Exponential backoff with jitter, capped at sync.retry.max-delay; a longer wait Meta asks for wins. */
    long backoff(int attempts, long metaWait) {
        long initial = sync.getRetry().getInitialDelay().toMillis();
        long max = sync.getRetry().getMaxDelay().toMillis();
        double exp = initial * Math.pow(2, Math.max(0, attempts - 1));
        long capped = (long) Math.min(max, exp);
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        return Math.max(jittered, metaWait);
    }

    private void dead(Batch b, String reason, String code, int attempts) {
        store.deadLetter(b, reason, code, attempts);
        metrics.deadLetter(code, b.rowCount());
        metrics.batch(b.action().wire(), "dead_letter");
        log.error("Batch {} {} audience={} rows={} DEAD-LETTERED after {} attempts: {} (replay with POST /api/dead-letters/replay once fixed)",
                b.id(), b.action().wire(), b.audience().display(), b.rowCount(), attempts, reason);
        for (DeliveryListener l : listeners) {
            try { l.deadLettered(b, reason); } catch (RuntimeException e) { log.warn("delivery listener failed: {}", e.toString()); }
        }
    }

    /** Dry-run: the exact request (method, path, JSON body without credentials) as a file in the outbox. */
    private void writeOutbox(Batch b, Session s) {
        try {
            Path dir = Path.of(sync.getOutbox());
            Files.createDirectories(dir);
            String target = b.audience().id() != null ? b.audience().id() : "{audience:" + b.audience().name() + "}";
            String path = "/" + meta.getApiVersion() + "/" + (b.action() == Action.REMOVE_ALL ? "act_" + meta.accountDigits() + "/usersofanyaudience"
                    : target + (b.action() == Action.REPLACE ? "/usersreplace" : "/users"));
            String safe = b.audience().display().replaceAll("[^A-Za-z0-9._-]", "_");
            // a file name holds at most 255 bytes: a long audience name is cut (the full path is inside the file)
            if (safe.length() > 100) safe = safe.substring(0, 100);
            String name = String.format("%012d-%s-%s", b.id(), b.action().wire(), safe);
            Path tmp = dir.resolve("." + name + ".tmp");
            byte[] head = ("{\"method\":\"POST\",\"path\":" + JSON.writeValueAsString(path) + ",\"body\":").getBytes();
            try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                out.write(head);
                GraphClient.writeBodyWithoutAuth(out, g -> {
                    if (b.action() == Action.REMOVE || b.action() == Action.REMOVE_ALL) g.writeStringField("method", "DELETE");
                    RequestBodies.payload(g, b.payload(), b.ldu());
                    if (s != null) RequestBodies.session(g, s.id(), s.seq(), s.last(), s.total());
                });
                out.write("}\n".getBytes());
            }
            Files.move(tmp, dir.resolve(name + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the dry-run outbox", e);
        }
    }
}
