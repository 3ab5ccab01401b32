package com.metaaudiencesync.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.meta.AudienceResolver;
import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphException;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.meta.PermanentGraphException;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.ops.AudienceFlags;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.send.GraphRequests.Session;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The steps of routes/send.camel.yaml and its error channels (routes/errors.camel.yaml): claim a stored batch,
 * name its Graph path, read Meta's answer, and settle the batch: acknowledged (deleted), retried later (attempts
 * and next attempt time in the database), dead-lettered with the reason, or held back while the account is
 * paused or waiting. Also sends replace groups as one usersreplace session.
 */
public class BatchSender {
    private static final Logger log = LoggerFactory.getLogger(BatchSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String PAYLOAD_MISSING_REASON = "the batch's stored rows are missing (its payload file was deleted from the spool directory)";
    /** how often the send route's ticks look for batches whose lease expired (a crashed instance's) */
    static final long RECOVERY_INTERVAL_MILLIS = 5_000;
    /** how long a sending worker with nothing to send waits for this instance to store a batch before it ends */
    static final long IDLE_WAIT_MILLIS = 200;

    private final BatchStore store;
    private final AudienceResolver audiences;
    private final AccountGate gate;
    private final SyncProperties sync;
    private final MetaProperties meta;
    private final SyncMetrics metrics;
    private final boolean dryRun;
    private final GraphRequests requests;
    private final GraphPoster poster;
    private final List<DeliveryListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong sessionIds = new AtomicLong(System.currentTimeMillis() * 1000);
    /** Meta said how long the ad account must wait (estimated_time_to_regain_access, Retry-After): nothing is sent before */
    private volatile long throttledUntil;
    private volatile long lastRecovery;

    public BatchSender(BatchStore store, AudienceResolver audiences, AccountGate gate, SyncProperties sync, MetaProperties meta,
                       SyncMetrics metrics, boolean dryRun, GraphRequests requests, GraphPoster poster) {
        this.store = store;
        this.audiences = audiences;
        this.gate = gate;
        this.sync = sync;
        this.meta = meta;
        this.metrics = metrics;
        this.dryRun = dryRun;
        this.requests = requests;
        this.poster = poster;
    }

    public void addListener(DeliveryListener l) { listeners.add(l); }

    /** audiences Meta flagged (operation_status 471): their batches are dead-lettered without a request */
    private volatile AudienceFlags flags;

    public void setAudienceFlags(AudienceFlags f) { this.flags = f; }

    public boolean isDryRun() { return dryRun; }

    /** True while Meta's requested wait for this ad account runs (the limit is per account, not per batch). */
    public boolean throttled() { return System.currentTimeMillis() < throttledUntil; }

    private boolean sendingStopped() { return !dryRun && (!gate.isOpen() || throttled()); }

    /**
     * The sending workers of one tick: {@code sync.send.concurrency} of them, none while the account is paused or
     * waiting. Leases of crashed instances are recovered every few seconds.
     */
    public List<Boolean> workers() {
        if (sendingStopped()) return List.of();
        long now = System.currentTimeMillis();
        if (now - lastRecovery >= RECOVERY_INTERVAL_MILLIS) {
            lastRecovery = now;
            store.recoverExpired();
        }
        return Collections.nCopies(Math.max(1, sync.getSend().getConcurrency()), Boolean.TRUE);
    }

    /**
     * Claims the oldest ready batch; null when the account is paused or waiting, or when nothing was stored
     * within a short wait (a file being read stores a batch every few tens of milliseconds): the worker ends.
     */
    public Batch claim() {
        while (!sendingStopped()) {
            long seen = store.storedCount();
            List<Batch> claimed = store.claimReady(1, List.of());
            if (!claimed.isEmpty()) return claimed.get(0);
            try {
                if (!store.awaitStored(seen, IDLE_WAIT_MILLIS)) return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** The Graph path of the batch's call; resolves (or creates) its audience. */
    public String target(Batch b) {
        if (b.payload() == null) throw new PermanentGraphException(permanent("payload_missing", PAYLOAD_MISSING_REASON));
        if (!gate.isOpen()) throw new HeldBackException("sending is paused", 0);
        if (throttled()) throw new HeldBackException("the ad account is waiting as Meta asked", throttledUntil - System.currentTimeMillis());
        if (b.action() == Action.REMOVE_ALL) return path(b.action(), null);
        String audienceId;
        try {
            audienceId = resolve(b);
        } catch (AudienceResolver.CreationInProgress e) {
            throw new HeldBackException(e.getMessage(), 1000);
        } catch (IOException e) {
            throw GraphException.of(GraphErrorClassifier.classify(e));
        }
        if (audienceId == null) {
            throw new PermanentGraphException(permanent("audience_not_found",
                    "audience '" + b.audience().display() + "' does not exist in the ad account; a remove never creates an audience"));
        }
        AudienceFlags f = flags;
        if (f != null && f.isFlagged(b.audience(), audienceId)) {
            // nothing is sent to a flagged audience; every other audience keeps flowing
            throw new PermanentGraphException(permanent(GraphErrorClassifier.AUDIENCE_FLAGGED, GraphErrorClassifier.FLAGGED_REASON + " "
                    + GraphErrorClassifier.FLAGGED_ACTION + " (not sent: the audience was already flagged)"));
        }
        return path(b.action(), audienceId);
    }

    /** the metrics tag of a batch's request */
    public String op(Batch b) { return b.action().wire(); }

    /** Meta's answer to a batch: acknowledged, or the classified exception for the error channels. */
    public void record(Batch b, GraphResponse r) {
        Outcome o = GraphErrorClassifier.classify(r);
        if (o.kind() != Outcome.Kind.SUCCESS) throw GraphException.of(o);
        long[] counts = counts(b, r);
        acknowledged(b, counts[0], counts[1]);
    }

    /** Retryable failure: true when the batch has used up its attempts or its total time and goes to the dead letters. */
    public boolean exhausted(Batch b, Throwable failure) { return b != null && exhausted(b, outcome(failure)); }

    boolean exhausted(Batch b, Outcome o) {
        int attempts = b.attempts() + 1;
        long sinceFirst = b.firstFailureAt() == null ? 0 : System.currentTimeMillis() - b.firstFailureAt();
        // a throttle is the account's state, not the batch's fault: it never uses up the batch's attempts, only its total time
        boolean attemptsUsed = o.kind() != Outcome.Kind.THROTTLE && attempts >= sync.getRetry().getMaxAttempts();
        return attemptsUsed || sinceFirst > sync.getRetry().getMaxTotal().toMillis();
    }

    /** Durable retry: attempt count, next attempt time and the error are stored with the batch. */
    public void retryLater(Batch b, Throwable failure) {
        if (b == null) { log.warn("claiming a batch failed: {}", failure == null ? "unknown" : failure.toString()); return; }
        retryLater(b, outcome(failure));
    }

    void retryLater(Batch b, Outcome o) {
        noteThrottle(o);
        int attempts = b.attempts() + 1;
        long delay = backoff(attempts, o.waitMillis());
        metrics.retry(o.code());
        metrics.batch(b.action().wire(), "retry");
        log.warn("Batch {} {} audience={} rows={} attempt {} failed ({}): retry in {} ms", b.id(), b.action().wire(), b.audience().display(),
                b.rowCount(), attempts, o.message(), delay);
        store.retryLater(b, delay, o.message());
    }

    /** The dead-letter route's step: the batch leaves the queue with its reason. */
    public void deadLetter(Batch b, Throwable failure) { deadLetter(b, outcome(failure)); }

    void deadLetter(Batch b, Outcome o) {
        // a batch refused before its request was sent has not used an attempt
        boolean notSent = "payload_missing".equals(o.code()) || "audience_not_found".equals(o.code());
        int attempts = b.attempts() + (notSent ? 0 : 1);
        String reason = o.retryable() ? "gave up after " + attempts + " attempts: " + o.message() : o.message();
        AudienceFlags f = flags;
        if (f != null && GraphErrorClassifier.audienceFlagged(o)) f.flag(b.audience(), b.audience().id(), o.message());
        dead(b, reason, o.code(), attempts);
    }

    /** Auth or terms: all sending pauses (the account probe reopens it); the batch goes back as it was. */
    public void pause(Batch b, Throwable failure) { pause(b, outcome(failure)); }

    void pause(Batch b, Outcome o) {
        gate.block(o);
        store.release(b, 0);
    }

    public void holdBack(Batch b, Throwable failure) { holdBack(b, HeldBackException.delayOf(failure)); }

    void holdBack(Batch b, long delayMillis) { store.release(b, Math.max(0, delayMillis)); }

    /** The failure's Graph outcome; an unexpected failure (a bug, the database briefly away) counts as transient. */
    private static Outcome outcome(Throwable failure) {
        Outcome o = GraphException.outcomeOf(failure);
        return o != null ? o : new Outcome(Outcome.Kind.TRANSIENT, "internal", null,
                "internal error: " + (failure == null ? "unknown" : failure.getClass().getSimpleName()), 0, null);
    }

    /**
     * Sends one replace group (a .replace file) as one usersreplace session. A retryable failure of a later batch
     * is sent again in the same session; any other failure (or one of batch 1, or a crash) restarts the replace
     * from batch 1 with a new session.
     */
    public void sendGroup() {
        if (sendingStopped()) return;
        List<Batch> group = store.claimGroup();
        if (!group.isEmpty()) sendGroup(group);
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
        String path = null;
        if (!dryRun) {
            try {
                path = target(first);
            } catch (HeldBackException e) {
                for (Batch b : group) holdBack(b, e.getDelayMillis());
                return;
            } catch (GraphException e) {
                groupFailed(group, e.getOutcome());
                return;
            }
        }
        long received = 0, invalid = 0;
        for (int i = 0; i < group.size(); i++) {
            Batch b = group.get(i);
            Session s = new Session(sessionId, i + 1, i == group.size() - 1, total);
            if (dryRun) { writeOutbox(b, s); continue; }
            GraphResponse r = poster.post(path, "replace", requests.body(b, s));
            Outcome o = GraphErrorClassifier.classify(r);
            // Once batch 1 opened the session, Meta keeps it open (up to 90 min) and refuses a new one meanwhile
            // (2650/1870145): a retryable failure after batch 1 is retried in the same session (meta-api.md §3).
            for (int attempt = 1; i > 0 && o.retryable() && attempt < sync.getRetry().getMaxAttempts() && gate.isOpen(); attempt++) {
                long delay = backoff(attempt, o.waitMillis());
                log.warn("Replace session {} for audience {}: batch {}/{} failed ({}), sent again in the same session in {} ms",
                        sessionId, b.audience().display(), i + 1, group.size(), o.message(), delay);
                metrics.retry(o.code());
                if (!pause(delay, group)) break;
                r = poster.post(path, "replace", requests.body(b, s));
                o = GraphErrorClassifier.classify(r);
            }
            if (o.kind() != Outcome.Kind.SUCCESS) {
                log.warn("Replace session {} for audience {} failed at batch {}/{}: {}; the whole replace restarts from batch 1 with a new session",
                        sessionId, b.audience().display(), i + 1, group.size(), o.message());
                groupFailed(group, o);
                return;
            }
            long[] counts = counts(b, r);
            received = Math.max(received, counts[0]); // num_received counts the whole session so far (meta-api.md §5)
            invalid += counts[1];
            store.renew(group.stream().map(Batch::id).toList());
        }
        for (Batch b : group) acknowledged(b, dryRun ? b.rowCount() : -1, 0);
        log.info("Replace of audience {} done: {} batches, {} rows, session {}, Meta received {}", first.audience().display(), group.size(), total, sessionId, received);
        if (invalid > 0) metrics.metaInvalidEntries(invalid);
    }

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

    private void groupFailed(List<Batch> group, Outcome o) {
        for (Batch b : group) {
            if (o.pausesAccount()) pause(b, o);
            else if (o.kind() == Outcome.Kind.PERMANENT || exhausted(b, o)) deadLetter(b, o);
            else retryLater(b, o);
        }
    }

    private String resolve(Batch b) throws IOException, AudienceResolver.CreationInProgress {
        if (b.audience().id() != null) return b.audience().id();
        boolean mayCreate = b.action() == Action.ADD || b.action() == Action.REPLACE;
        return audiences.resolve(b.audience().name(), mayCreate);
    }

    private String path(Action a, String audienceId) {
        return switch (a) {
            case ADD, REMOVE -> audienceId + "/users";
            case REPLACE -> audienceId + "/usersreplace";
            case REMOVE_ALL -> "act_" + meta.accountDigits() + "/usersofanyaudience";
        };
    }

    private static Outcome permanent(String code, String reason) {
        return new Outcome(Outcome.Kind.PERMANENT, code, null, reason, 0, null);
    }

    /** num_received and num_invalid_entries of a successful answer */
    private static long[] counts(Batch b, GraphResponse r) {
        try {
            JsonNode root = JSON.readTree(r.body());
            return new long[]{root.path("num_received").asLong(b.rowCount()), root.path("num_invalid_entries").asLong(0)};
        } catch (IOException e) {
            return new long[]{b.rowCount(), 0};
        }
    }

    private void noteThrottle(Outcome o) {
        if (o.kind() != Outcome.Kind.THROTTLE || o.waitMillis() <= 0) return;
        long until = System.currentTimeMillis() + o.waitMillis();
        synchronized (this) {
            if (until > throttledUntil) {
                if (!throttled()) log.warn("Meta rate limit for the ad account ({}): sending waits {} s as Meta asks; nothing is lost", o.message(), o.waitMillis() / 1000);
                throttledUntil = until;
            }
        }
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

    private void acknowledged(Batch b, long numReceived, long numInvalid) {
        long received = numReceived < 0 ? b.rowCount() : numReceived;
        boolean together = false;
        try {
            // the batch leaves the queue and the listeners count it (file counters, audience registry, poll state) in one commit
            store.inTransaction(() -> {
                store.delete(b.id());
                for (DeliveryListener l : listeners) l.delivered(b, received, numInvalid);
            });
            together = true;
        } catch (RuntimeException e) {
            log.warn("Batch {}: acknowledging it together with its counters failed ({}); acknowledging it alone", b.id(), e.toString());
        }
        if (!together) {
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

    /** Dry-run: the batch's request (method, path, JSON body without credentials) as a file in the outbox; then acknowledged. */
    public void writeOutbox(Batch b) {
        if (b.payload() == null) { dead(b, PAYLOAD_MISSING_REASON, "payload_missing", b.attempts()); return; }
        writeOutbox(b, null);
        acknowledged(b, b.rowCount(), 0);
    }

    private void writeOutbox(Batch b, Session s) {
        try {
            Path dir = Path.of(sync.getOutbox());
            Files.createDirectories(dir);
            String target = b.audience().id() != null ? b.audience().id() : "{audience:" + b.audience().name() + "}";
            String path = "/" + meta.getApiVersion() + "/" + path(b.action(), target);
            String safe = b.audience().display().replaceAll("[^A-Za-z0-9._-]", "_");
            // a file name holds at most 255 bytes: a long audience name is cut (the full path is inside the file)
            if (safe.length() > 100) safe = safe.substring(0, 100);
            String name = String.format("%012d-%s-%s", b.id(), b.action().wire(), safe);
            Path tmp = dir.resolve("." + name + ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                out.write(("{\"method\":\"POST\",\"path\":" + JSON.writeValueAsString(path) + ",\"body\":").getBytes(StandardCharsets.UTF_8));
                requests.writeWithoutAuth(out, b, s);
                out.write("}\n".getBytes(StandardCharsets.UTF_8));
            }
            Files.move(tmp, dir.resolve(name + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dry-run outbox", e);
        }
    }
}
