package com.metaaudiencesync.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.guard.ReplaceGuard;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.AudienceValidation;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.send.Ldu;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.IntakeStore;
import com.metaaudiencesync.store.Payload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.FileInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Inbox files → durable batches, as the steps of routes/intake-file.camel.yaml: {@link #open} (claim and resume
 * point), {@link #read} (the parser; an unreadable file throws), {@link #chunks} (thousands of records per
 * exchange), {@link #normalize} and {@link #stage} per chunk, {@link #finish} (or {@link #failed}) at the end.
 * A batch is stored (with the file's progress, in one transaction) as soon as it is full; the file leaves the
 * inbox only once every row of it is stored, so a crash at any point leaves the file in the inbox and a re-read
 * skips the batches already stored.
 */
public class FileIntake implements DeliveryListener {
    private static final Logger log = LoggerFactory.getLogger(FileIntake.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SyncProperties sync;
    private final IntakeStore intakes;
    private final RowBuilder rows;
    private final SyncMetrics metrics;
    private volatile boolean dryRun;

    public void setDryRun(boolean dryRun) { this.dryRun = dryRun; }

    /** true once shutdown has begun: reading stops at the next chunk, the file stays in the inbox to be resumed */
    private volatile BooleanSupplier stopping = () -> false;

    public void setStopping(BooleanSupplier stopping) { this.stopping = stopping; }

    private volatile ReplaceGuard replaceGuard;

    /** The mass-removal guard asked before a replace group is released (none: every replace goes). */
    public void setReplaceGuard(ReplaceGuard g) { this.replaceGuard = g; }

    /** single-thread executors that normalize chunks (64-record blocks at a time) while the route's thread reads the next ones */
    private final ExecutorService[] helpers;
    /** one per helper thread (a digest is not thread-safe) */
    private final RowBuilder.Scratch[] helperHashers;
    /** the digest and value cache of the thread that reads a file (it helps normalize the chunk it is about to stage) */
    private final AtomicReference<RowBuilder.Scratch> readerScratch;

    public FileIntake(SyncProperties sync, IntakeStore intakes, RowBuilder rows, SyncMetrics metrics) {
        this.sync = sync;
        int threads = sync.getNormalizeThreads() > 0 ? sync.getNormalizeThreads() : Math.min(2, Runtime.getRuntime().availableProcessors());
        this.helpers = new ExecutorService[Math.max(1, threads)];
        this.helperHashers = new RowBuilder.Scratch[helpers.length];
        for (int i = 0; i < helpers.length; i++) {
            int id = i + 1;
            helperHashers[i] = new RowBuilder.Scratch();
            helpers[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "mas-normalize-" + id);
                t.setDaemon(true);
                return t;
            });
        }
        this.intakes = intakes;
        this.rows = rows;
        this.metrics = metrics;
        this.readerScratch = new AtomicReference<>();
    }


    /**
     * Files this instance is reading (intake key → batches of it this instance has seen acknowledged or
     * dead-lettered): lets the backpressure check and the report refresh skip a query in the common case where
     * this instance also sends the file's batches. A lower bound of the database's count (other instances may
     * send some), so it can only say "no need to wait", never "wait".
     */
    private final ConcurrentHashMap<String, AtomicLong> readingHere =
            new ConcurrentHashMap<>();

    /** files this instance is reading now (intake key → run): the console's progress bars */
    private final ConcurrentHashMap<String, IntakeRun> active = new ConcurrentHashMap<>();

    /** the files this instance is reading now (their counters and bytes read move as the reading goes) */
    public Collection<IntakeRun> reading() { return List.copyOf(active.values()); }

    /** The file's intake: its key, and where to resume when an earlier read was interrupted. */
    public IntakeRun open(File file) {
        IntakeRun run = new IntakeRun(file);
        String status = intakes.status(run.key);
        if (IntakeStore.READ.equals(status)) {
            // every batch of this file was stored before a crash: only the move and the report are left
            run.skippedAsDone = true;
            readingHere.remove(run.key); // an earlier attempt may have stopped between storing the report and moving the file
            return run;
        }
        run.alreadyCommitted = intakes.chunksCommitted(run.key);
        if (run.alreadyCommitted > 0) {
            log.info("File {}: resuming after an interruption, {} batches were already stored and are skipped", file.getName(), run.alreadyCommitted);
        }
        run.stager = stager(run);
        run.settledHere = readingHere.compute(run.key, (k, v) -> new AtomicLong());
        return run;
    }

    /** Opens the file's parser (format by name, CSV header mapped); throws when the file cannot be read at all. */
    public void read(IntakeRun run) {
        if (run.skippedAsDone) return;
        File file = run.file;
        try {
            InputStream in = new Counting(new FileInputStream(file), run);
            try {
                run.reader = RecordReaders.open(in, file.getName());
                if (run.reader instanceof ByteCsv csv) run.prepare(csv.header());
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        } catch (RecordReaders.UnreadableException e) {
            throw new UnreadableFileException(e.getMessage());
        } catch (IOException e) {
            throw new UnreadableFileException(IntakeRun.message(e));
        }
        if (run.unreadable == null) active.put(run.key, run);
        log.info("File {}: taking in (audience default '{}', action {})", file.getName(), run.audienceName, run.action.wire());
    }

    /** the file's bytes, counted as they are read (the progress line's ETA) */
    private static final class Counting extends FilterInputStream {
        private final IntakeRun run;

        Counting(InputStream in, IntakeRun run) {
            super(in);
            this.run = run;
        }

        @Override public int read() throws IOException {
            int b = super.read();
            if (b >= 0) run.bytesRead++;
            return b;
        }

        @Override public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) run.bytesRead += n;
            return n;
        }
    }

    private BatchStager stager(IntakeRun run) {
        return new BatchStager(sync.getBatchSize(), sync.getSend().getRemoveBatchSize(), (g, payload, n) -> emit(run, g, payload, n));
    }

    public Iterator<List<SourceRecord>> chunks(IntakeRun run) {
        if (run.skippedAsDone || run.unreadable != null) return Collections.emptyIterator();
        Iterator<List<SourceRecord>> chunks = run.chunks(sync.getChunkSize());
        return new Iterator<>() {
            @Override public boolean hasNext() {
                if (stopping.getAsBoolean()) {
                    run.interrupted = true;
                    return false;
                }
                return chunks.hasNext();
            }

            @Override public List<SourceRecord> next() { return chunks.next(); }
        };
    }

    /** chunks handed to the normalize threads and not yet staged: bounds memory (a few chunks of records) */
    static final int MAX_IN_FLIGHT = 3;

    /**
     * Normalize + hash: hands the chunk to the normalize threads ({@code sync.normalize-threads}, blocks of
     * {@value #BLOCK} records in turn) and returns at once, so the route reads the next chunk meanwhile.
     */
    public Work normalize(IntakeRun run, List<SourceRecord> chunk) {
        Work w = new Work(chunk);
        int n = chunk.size();
        int used = Math.max(1, Math.min(helpers.length, (n + BLOCK - 1) / BLOCK));
        w.fs = new Future<?>[used];
        for (int i = 0; i < used; i++) {
            MemberMapper m = run.helperMapper(i);
            RowBuilder.Scratch h = helperHashers[i];
            w.fs[i] = helpers[i].submit(() -> normalizeBlocks(run, m, h, w));
        }
        return w;
    }

    /**
     * Stage: queues the chunk and, once more than {@value #MAX_IN_FLIGHT} are queued, stages the oldest in file
     * order (counts, then rows into batches; full batches are stored). The batches of a file are the same however
     * many threads normalize it (a resumed read skips batches by sequence number). {@link #finish} stages the rest.
     */
    public void stage(IntakeRun run, Work w) {
        run.inFlight.add(w);
        while (run.inFlight.size() > MAX_IN_FLIGHT) stageChunk(run, run.inFlight.poll());
        progress(run);
    }

    /** Stages every chunk still in flight (end of the file). */
    private void drain(IntakeRun run) {
        Work w;
        while ((w = run.inFlight.poll()) != null) stageChunk(run, w);
    }

    /** a chunk being normalized (the body between the route's normalize and stage steps) */
    public static final class Work {
        /** the chunk's records; a slot is cleared once its record is normalized (a chunk in flight holds only its results) */
        final SourceRecord[] recs;
        final Normalized[] out;
        final AtomicInteger next = new AtomicInteger();
        Future<?>[] fs;

        Work(List<SourceRecord> recs) {
            this.recs = recs.toArray(new SourceRecord[0]);
            this.out = new Normalized[this.recs.length];
        }
    }

    /** On the route's thread: helps normalize the chunk, waits for the helpers, then counts and stages its rows in order. */
    private void stageChunk(IntakeRun run, Work w) {
        RowBuilder.Scratch mine = readerScratch.getAndSet(null);
        if (mine == null) mine = new RowBuilder.Scratch();
        try {
            normalizeBlocks(run, run.mapper, mine, w);
        } finally {
            readerScratch.set(mine);
        }
        for (Future<?> f : w.fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while normalizing", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error err) throw err;
                throw new IllegalStateException(c);
            }
        }
        Normalized[] out = w.out;
        IntakeCounts c = run.counts;
        BatchStager.Group canon = run.lastGroup;
        for (Normalized o : out) canon = stageOne(run, c, o, canon);
        run.lastGroup = canon;
    }

    /**
     * Counts and stages one normalized record; returns the group instance handed to the stager (one instance per
     * group: the stager recognises the previous row's group by identity, each thread makes its own per block).
     */
    private static BatchStager.Group stageOne(IntakeRun run, IntakeCounts c, Normalized o, BatchStager.Group canon) {
        c.read++;
        if (o.issues != null && !o.issues.isEmpty()) c.fieldIssues(o.issues);
        if (o.reject != null) {
            c.reject(o.reject, o.line);
            return canon;
        }
        c.accepted++;
        if (o.lduProblem != null) c.fieldIssues(Map.of(o.lduProblem, 1));
        BatchStager.Group g = o.group;
        if (g != run.lastRawGroup) { // a new block's instance: compared once, not for each of its records
            run.lastRawGroup = g;
            if (!g.equals(canon)) canon = g;
        }
        for (byte[] row : o.encoded) {
            c.rowsOut++;
            run.stager.addEncoded(canon, row);
        }
        return canon;
    }

    /** Stops the normalize threads (Spring calls it when the context closes). */
    public void close() {
        for (ExecutorService e : helpers) e.shutdown();
    }

    /** records a thread takes at a time */
    private static final int BLOCK = 64;

    private void normalizeBlocks(IntakeRun run, MemberMapper mapper, RowBuilder.Scratch hasher, Work w) {
        int n = w.out.length;
        LastGroup last = new LastGroup();
        for (int from; (from = w.next.getAndAdd(BLOCK)) < n; ) normalize(run, mapper, hasher, w.recs, from, Math.min(n, from + BLOCK), w.out, last);
    }

    /** the group of the previous member a thread normalized, and the fields it came from (rows of a file usually share one) */
    private static final class LastGroup {
        private String audienceId, audienceName, ldu, lduCountry, lduState;
        private Action action;
        BatchStager.Group group;
        String lduProblem;
        /** why the group's audience id or name is refused (checked once per group, not per row), or null */
        String audienceProblem;

        boolean sameAs(RawMember m) {
            return group != null && m.action == action && Objects.equals(m.audienceId, audienceId)
                    && Objects.equals(m.audienceName, audienceName) && Objects.equals(m.ldu, ldu)
                    && Objects.equals(m.lduCountry, lduCountry) && Objects.equals(m.lduState, lduState);
        }

        void set(RawMember m) {
            audienceId = m.audienceId; audienceName = m.audienceName; action = m.action;
            ldu = m.ldu; lduCountry = m.lduCountry; lduState = m.lduState;
            audienceProblem = AudienceValidation.problem(m.audienceId, m.audienceName);
            AudienceRef ref = m.audienceId != null ? AudienceRef.ofId(m.audienceId) : AudienceRef.ofName(m.audienceName);
            group = new BatchStager.Group(ref, m.action, Ldu.of(m.ldu, m.lduCountry, m.lduState));
            lduProblem = Ldu.problem(m.ldu, m.lduCountry, m.lduState);
        }
    }

    /** what one record became: a rejection (reason) or its group and rows in stored form; field issues either way */
    private record Normalized(long line, String reject, Map<String, Integer> issues, BatchStager.Group group, String lduProblem, byte[][] encoded) {}

    private void normalize(IntakeRun run, MemberMapper mapper, RowBuilder.Scratch hasher, SourceRecord[] chunk, int from, int to, Normalized[] out,
                           LastGroup last) {
        for (int i = from; i < to; i++) {
            out[i] = normalizeOne(run, mapper, hasher, chunk[i], last);
            chunk[i] = null;
        }
    }

    /** One record: rejected with a reason, or its group and rows in stored form. */
    private Normalized normalizeOne(IntakeRun run, MemberMapper mapper, RowBuilder.Scratch hasher, SourceRecord r, LastGroup last) {
        if (r.error() != null) return new Normalized(r.line(), r.error(), null, null, null, null);
        RawMember m = mapper.map(r);
        if (m.action == null) return new Normalized(r.line(), "invalid_action", null, null, null, null);
        if (m.audienceId == null && m.audienceName == null) return new Normalized(r.line(), "no_audience", null, null, null, null);
        if (m.action == Action.REPLACE && run.action != Action.REPLACE) return new Normalized(r.line(), "invalid_action", null, null, null, null);
        if (!last.sameAs(m)) last.set(m);
        if (last.audienceProblem != null) return new Normalized(r.line(), last.audienceProblem, null, null, null, null);
        RowBuilder.EncodedRows res = rows.buildEncoded(m, hasher);
        if (res.rejected()) return new Normalized(r.line(), res.rejectReason(), res.fieldIssues(), null, null, null);
        return new Normalized(r.line(), null, res.fieldIssues(), last.group, last.lduProblem, res.rows());
    }

    private static MemberMapper mapper(IntakeRun run) { return run.mapper; }

    private void progress(IntakeRun run) {
        long now = System.nanoTime();
        if (now - run.lastProgressLog > 5_000_000_000L) {
            run.lastProgressLog = now;
            double secs = (now - run.startedNanos) / 1e9;
            long size = run.file.length();
            long done = run.bytesRead;
            String eta = done > 0 && size > done ? String.format("%.0f s", secs * (size - done) / done) : "?";
            log.info("File {}: {} rows read, {} rows/s, {}% of the file, ETA {}", run.file.getName(), run.counts.read,
                    Math.round(run.counts.read / Math.max(0.001, secs)), size > 0 ? Math.min(100, done * 100 / size) : 0, eta);
        }
    }

    private void emit(IntakeRun run, BatchStager.Group g, Payload payload, int rowCount) {
        int seq = ++run.seq;
        boolean held = g.action() == Action.REPLACE;
        String groupKey = held ? run.key + "#" + g.audience().key() : null;
        int gseq = 0;
        if (held) {
            gseq = (int) run.replaceGroups.stream().filter(groupKey::equals).count() + 1;
            run.replaceGroups.add(groupKey);
        }
        if (seq <= run.alreadyCommitted) return; // stored before an interruption
        Batch b = Batch.newBatch(g.audience(), g.action(), rowCount, payload, run.file.getName()).withIntake(run.key, seq).withLdu(g.ldu());
        if (held) b = b.withGroup(groupKey, gseq);
        intakes.commitChunk(run.key, seq, b, held);
        if (!held) waitForSending(run, seq);
    }

    /**
     * Backpressure: reading stops while more than {@code sync.file.max-queued-batches} of this file's batches wait
     * for Meta, so a fast intake cannot run far ahead of the sender. That bounds the database (a 10 M-row file
     * no longer sits in mas_batch as a whole) and the size of the database's commits (H2, in a small heap, failed
     * to allocate a ~30 MB commit buffer when batches were stored much faster than they were sent). The claim's
     * lease is renewed while waiting. Not for replace files: their batches are held until the file is read.
     */
    private void waitForSending(IntakeRun run, int committed) {
        int max = sync.getFile().getMaxQueuedBatches();
        if (max <= 0) return;
        if (run.settledHere != null && committed - run.settledHere.get() <= max) return; // no query needed
        long lastRenew = System.nanoTime();
        if (committed - intakes.batchesSettled(run.key) <= max) return;
        long t0 = lastRenew;
        try {
            awaitSending(run, committed, max, lastRenew);
        } finally {
            run.backpressureNanos += System.nanoTime() - t0;
        }
    }

    private void awaitSending(IntakeRun run, int committed, int max, long lastRenew) {
        while ((run.settledHere == null || committed - run.settledHere.get() > max) && committed - intakes.batchesSettled(run.key) > max) {
            if (stopping.getAsBoolean()) return; // the batch is stored; reading stops at the next chunk
            if (System.nanoTime() - lastRenew > 5_000_000_000L) {
                intakes.renew(run.key);
                lastRenew = System.nanoTime();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A file that could not be read at all: moved to .failed/ with its report (the route's doCatch). */
    public Map<String, Object> failed(IntakeRun run, Throwable why) throws IOException {
        Throwable cause = why;
        while (cause.getCause() != null && !(cause instanceof UnreadableFileException)) cause = cause.getCause();
        run.unreadable = cause instanceof UnreadableFileException ? cause.getMessage() : IntakeRun.message(cause);
        Path failed = Files.createDirectories(run.file.toPath().getParent().resolve(".failed"));
        Path reportPath = failed.resolve(run.file.getName() + ".report.json");
        Files.move(run.file.toPath(), failed.resolve(run.file.getName()), StandardCopyOption.REPLACE_EXISTING);
        Map<String, Object> report = report(run, "failed");
        writeReport(reportPath, report);
        intakes.markRead(run.key, 0, 0, 0, JSON.writeValueAsString(report), reportPath.toString());
        readingHere.remove(run.key, run.settledHere);
        intakes.markDone(run.key);
        metrics.filesTaken("failed");
        log.warn("File {}: could not be read ({}); moved to .failed with a report", run.file.getName(), run.unreadable);
        return report;
    }

    /** End of the file: partial batches stored, replace sessions released, file moved, report written. */
    public Map<String, Object> finish(IntakeRun run) throws IOException {
        active.remove(run.key, run);
        if (run.interrupted) {
            // full batches are stored; partial ones are not (they would break the resume by batch number): the file
            // stays in the inbox, its claim is given up, and the next start (or another instance) resumes after them
            readingHere.remove(run.key, run.settledHere);
            intakes.release(run.key);
            log.info("File {}: shutting down after {} stored batches; the rest is read at the next start", run.file.getName(),
                    intakes.chunksCommitted(run.key));
            return Map.of("file", run.file.getName(), "status", "interrupted");
        }
        Path inbox = run.file.toPath().getParent();
        Path done = Files.createDirectories(inbox.resolve(".done"));
        Path reportPath = done.resolve(run.file.getName() + ".report.json");
        Map<String, Object> report;
        if (run.skippedAsDone) {
            Map<String, Object> row = intakes.row(run.key);
            report = row != null && row.get("report_json") != null ? readMap((String) row.get("report_json")) : report(run, "done");
        } else {
            drain(run);
            run.stager.flush();
            for (String g : new LinkedHashSet<>(run.replaceGroups)) releaseReplace(run, g);
            String status = run.fatal != null ? "partial" : "done";
            report = report(run, status);
            intakes.markRead(run.key, run.counts.read, run.counts.accepted, run.counts.rejected, JSON.writeValueAsString(report), reportPath.toString());
            count(run);
        }
        // from here on the report exists: deliveries refresh it (the refresh below reads the counters as committed)
        readingHere.remove(run.key, run.settledHere);
        Files.move(run.file.toPath(), done.resolve(run.file.getName()), StandardCopyOption.REPLACE_EXISTING);
        refreshReport(run.key);
        intakes.markDone(run.key);
        metrics.filesTaken(run.fatal != null ? "partial" : "done");
        double secs = (System.nanoTime() - run.startedNanos) / 1e9;
        log.info("File {}: {} read, {} accepted, {} rejected, {} rows in {} batches, {} s (of which {} s waiting for Meta to take queued batches){}",
                run.file.getName(), run.counts.read, run.counts.accepted,
                run.counts.rejected, run.counts.rowsOut, run.seq, String.format("%.2f", secs), String.format("%.2f", run.backpressureNanos / 1e9),
                run.fatal != null ? " — reading stopped at line " + run.fatalLine + ": " + run.fatal : "");
        return report;
    }

    /** A replace group is released unless the mass-removal guard holds it for an operator (docs/guard-rails.md). */
    private void releaseReplace(IntakeRun run, String groupKey) {
        String held = replaceGuard == null ? null : replaceGuard.holdIfNeeded(run.file.getName(), run.key, groupKey);
        if (held == null) intakes.releaseGroup(groupKey);
        else run.heldReplaces.add(held);
    }

    private void count(IntakeRun run) {
        metrics.rowsRead("file", run.counts.read);
        metrics.rowsAccepted("file", run.counts.accepted);
        run.counts.rejectReasons.forEach((r, n) -> metrics.rowsRejected("file", r, n));
        run.counts.fieldIssues.forEach(metrics::fieldsDropped);
    }

    private Map<String, Object> report(IntakeRun run, String status) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", run.file.getName());
        r.put("status", status);
        if (run.unreadable != null) r.put("error", run.unreadable);
        if (run.fatal != null) { r.put("error", run.fatal); r.put("errorLine", run.fatalLine); }
        r.put("rowsRead", run.counts.read);
        r.put("accepted", run.counts.accepted);
        r.put("rejected", run.counts.rejected);
        r.put("rejectReasons", run.counts.rejectReasons);
        r.put("rejectLineSamples", run.counts.rejectLines);
        r.put("droppedFields", run.counts.fieldIssues);
        r.put("rowsToMeta", run.counts.rowsOut);
        r.put("batches", run.seq);
        Map<String, Map<String, Long>> perAudience = new LinkedHashMap<>();
        if (run.stager != null) {
            run.stager.rowsPerGroup().forEach((g, n) -> perAudience.computeIfAbsent(g.audience().display(), k -> new LinkedHashMap<>()).put(g.action().wire(), n));
        }
        r.put("audiences", perAudience);
        if (!run.heldReplaces.isEmpty()) r.put("held", run.heldReplaces);
        return r;
    }

    /**
     * Rewrites the report with the delivery counters (called as Meta acknowledges the file's batches). Synchronized:
     * two refreshes racing could otherwise write in the opposite order of their reads, leaving a stale count.
     */
    public synchronized void refreshReport(String key) {
        Map<String, Object> row = intakes.row(key);
        if (row == null || row.get("report_path") == null || row.get("report_json") == null) return;
        try {
            Map<String, Object> report = readMap((String) row.get("report_json"));
            Map<String, Object> delivery = new LinkedHashMap<>();
            long total = num(row.get("batches_total")), sent = num(row.get("batches_sent")), dead = num(row.get("batches_dead"));
            delivery.put("batchesSent", sent);
            delivery.put("batchesDeadLettered", dead);
            delivery.put("batchesPending", Math.max(0, total - sent - dead));
            delivery.put("rowsSent", num(row.get("rows_sent")));
            delivery.put("rowsDeadLettered", num(row.get("rows_dead")));
            delivery.put("metaNumReceived", num(row.get("num_received")));
            delivery.put("metaNumInvalidEntries", num(row.get("num_invalid")));
            delivery.put("dryRun", dryRun);
            report.put("delivery", delivery);
            writeReport(Path.of((String) row.get("report_path")), report);
        } catch (IOException e) {
            log.warn("could not rewrite the report for {}: {}", row.get("file_name"), e.toString());
        }
    }

    @Override public void delivered(Batch b, long numReceived, long numInvalid) {
        if (b.intakeKey() == null) return;
        intakes.delivered(b.intakeKey(), b.rowCount(), numReceived, numInvalid);
        settled(b.intakeKey());
    }

    @Override public void deadLettered(Batch b, String reason) {
        if (b.intakeKey() == null) return;
        intakes.dead(b.intakeKey(), b.rowCount());
        settled(b.intakeKey());
    }

    /** After a batch of the file {@code key} was settled: once its counters are committed. */
    private void settled(String key) {
        BatchStore.afterCommit(() -> settledCommitted(key));
    }

    private void settledCommitted(String key) {
        AtomicLong here = readingHere.get(key);
        if (here != null) {
            // this instance is still reading the file: its report is written when the reading ends (from the
            // counters then), so there is nothing to refresh yet
            here.incrementAndGet();
            return;
        }
        refreshReport(key);
    }

    private static long num(Object o) { return o == null ? 0 : ((Number) o).longValue(); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readMap(String json) throws IOException { return JSON.readValue(json, LinkedHashMap.class); }

    private static synchronized void writeReport(Path p, Map<String, Object> report) throws IOException {
        Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(report));
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
