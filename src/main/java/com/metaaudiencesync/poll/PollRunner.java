package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.guard.KnownMembers;
import com.metaaudiencesync.guard.RemovalGuard;
import com.metaaudiencesync.intake.BatchStager;
import com.metaaudiencesync.intake.MemberMapper;
import com.metaaudiencesync.intake.RecordReader;
import com.metaaudiencesync.intake.SourceRecord;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.normalize.RowResult;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.BatchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one poll job: reads its source into mas_poll_seen (nothing is sent while reading), then, only when the
 * whole source was read, computes in SQL what to add and remove against the job's acknowledged state and
 * stores the batches for the core sender, in one transaction. A read that fails part-way sends nothing and
 * changes no state. A run the mass-removal guard ({@link RemovalGuard}) judges too destructive is HELD: its adds go,
 * its removals wait, with its read rows kept, for {@link #approve} or a later run that supersedes it.
 * One run per job at a time, across instances (claim row with a lease in mas_poll_job).
 * Plain Java: the Quartz routes ({@link PollRoutes}) and the admin endpoints call it.
 */
public class PollRunner {
    private static final Logger log = LoggerFactory.getLogger(PollRunner.class);
    /** Meta does not deliver to (or show) an audience with fewer matched people than this */
    public static final long SMALL_AUDIENCE = 100;
    private static final int STAGE_CHUNK = 1000;

    public record Begun(long runId, String status) {}

    private final Map<String, SyncProperties.PollJob> jobs = new LinkedHashMap<>();
    private final PollStore store;
    private final PollSources sources;
    private final RowBuilder rows;
    private final BatchStore batches;
    private final SyncProperties sync;
    private final SyncMetrics metrics;
    private final RemovalGuard guard;
    private final KnownMembers known;
    private final long leaseRenewMillis;
    private final ExecutorService manual = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "poll-manual");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "poll-lease");
        t.setDaemon(true);
        return t;
    });

    public PollRunner(SyncProperties sync, PollStore store, PollSources sources, RowBuilder rows, BatchStore batches, SyncMetrics metrics,
                      RemovalGuard guard, KnownMembers known) {
        this.sync = sync;
        this.guard = guard;
        this.known = known;
        this.store = store;
        this.sources = sources;
        this.rows = rows;
        this.batches = batches;
        this.metrics = metrics;
        this.leaseRenewMillis = Math.max(200, sync.getLeaseTime().toMillis() / 3);
        for (SyncProperties.PollJob j : sync.getPolls()) jobs.put(j.getName(), j);
        int recovered = store.recoverOwn();
        if (recovered > 0) log.warn("{} poll runs were interrupted when this instance last stopped; recorded as FAILED (nothing removed, state unchanged)", recovered);
        for (String n : jobs.keySet()) store.ensureJob(n);
    }

    public boolean has(String name) { return jobs.containsKey(name); }
    public Collection<SyncProperties.PollJob> jobs() { return jobs.values(); }
    public PollStore store() { return store; }

    /** A Quartz fire: runs in the calling (Quartz worker) thread. */
    public Begun runScheduled(String name, Long scheduledFireTime) {
        Begun b = begin(name, "schedule", scheduledFireTime);
        if (b != null && RUNNING_STATUS.equals(b.status())) execute(jobs.get(name), b.runId());
        return b;
    }

    /** POST /api/polls/{name}/run: the run is claimed and recorded now, read in the background. Null when a run is in progress. */
    public Begun startManual(String name) {
        Begun b = begin(name, "manual", null);
        if (b != null && RUNNING_STATUS.equals(b.status())) manual.submit(() -> execute(jobs.get(name), b.runId()));
        return b;
    }

    private static final String RUNNING_STATUS = PollStore.RUNNING;

    private Begun begin(String name, String trigger, Long scheduledFireTime) {
        SyncProperties.PollJob job = jobs.get(name);
        if (job == null) throw new IllegalArgumentException("no poll job named '" + name + "'");
        if (!store.claim(name)) {
            log.info("Poll job {}: a run is already in progress; this {} trigger is skipped", name, trigger);
            return null;
        }
        try {
            AudienceRef aud = PollJobs.audience(job);
            long id = store.insertRun(name, trigger, PollJobs.mode(job).name().toLowerCase(), aud.key(), PollSources.describe(job.getSource()), PollStore.RUNNING);
            if (scheduledFireTime != null) store.jdbc.update("UPDATE mas_poll_run SET scheduled_at=? WHERE id=?", scheduledFireTime, id);
            store.attachRun(name, id);
            long queued = store.queuedBatches(name);
            if (queued > 0) {
                String why = queued + " batches of an earlier run are still queued for Meta; this run is skipped so it compares against acknowledged state";
                store.skipRun(id, why);
                store.release(name);
                log.warn("Poll job {}: run {} skipped: {}", name, id, why);
                return new Begun(id, PollStore.SKIPPED);
            }
            return new Begun(id, PollStore.RUNNING);
        } catch (RuntimeException e) {
            store.release(name);
            throw e;
        }
    }

    private void execute(SyncProperties.PollJob job, long runId) {
        String name = job.getName();
        ScheduledFuture<?> heartbeat = leases.scheduleWithFixedDelay(() -> {
            try { store.renew(name); } catch (RuntimeException e) { log.warn("Poll job {}: lease renewal failed: {}", name, e.toString()); }
        }, leaseRenewMillis, leaseRenewMillis, TimeUnit.MILLISECONDS);
        try {
            run(job, runId);
        } catch (RuntimeException e) {
            log.error("Poll job {}: run {} failed: {}", name, runId, e.toString());
            try { store.failRun(runId, new PollCounts(), "internal error: " + e); } catch (RuntimeException ignored) { /* database down */ }
        } finally {
            heartbeat.cancel(false);
            store.release(name);
        }
    }

    private void run(SyncProperties.PollJob job, long runId) {
        String name = job.getName();
        long t0 = System.nanoTime();
        PollJobs.Mode mode = PollJobs.mode(job);
        AudienceRef aud = PollJobs.audience(job);
        PollCounts c = new PollCounts();
        log.info("Poll job {}: run {} reading {} ({} into audience {})", name, runId, PollSources.describe(job.getSource()), mode.name().toLowerCase(), aud.display());
        MemberMapper mapper = new MemberMapper(aud.name(), aud.id(), Action.ADD);
        List<Object[]> buf = new ArrayList<>(STAGE_CHUNK);
        try (RecordReader r = sources.open(job)) {
            SourceRecord rec;
            while ((rec = r.next()) != null) {
                c.read++;
                if (rec.error() != null) { c.reject(rec.error()); continue; }
                RawMember m = mapper.map(rec);
                RowResult res = rows.build(m);
                if (res.rejected()) { c.reject(res.rejectReason()); continue; }
                c.accepted++;
                for (String[] row : res.rows()) {
                    c.rowsOut++;
                    buf.add(new Object[]{PollStore.rowKey(row), PollStore.encodeRow(row)});
                }
                if (buf.size() >= STAGE_CHUNK) {
                    store.stageSeen(runId, buf);
                    buf.clear();
                }
            }
            store.stageSeen(runId, buf);
        } catch (Exception e) {
            String msg = message(e);
            log.error("Poll job {}: run {} FAILED while reading the source after {} records: {}. Nothing is sent, nothing removed, state unchanged.",
                    name, runId, c.read, msg);
            store.failRun(runId, c, "source read failed after " + c.read + " records: " + msg);
            metrics.rowsRead("poll", c.read);
            return;
        }
        metrics.rowsRead("poll", c.read);
        metrics.rowsAccepted("poll", c.accepted);
        c.reasons.forEach((reason, n) -> metrics.rowsRejected("poll", reason, n));
        Diff d = emit(job, runId, mode, aud, c);
        if (d.held != null) return;
        log.info("Poll job {}: run {} read {} records ({} accepted, {} rejected, {} distinct rows): {} to add, {} to remove, {} unchanged, {} batches queued, {} s",
                name, runId, c.read, c.accepted, c.rejected, d.distinct, d.added, d.removed, d.unchanged, d.batches,
                String.format("%.2f", (System.nanoTime() - t0) / 1e9));
    }

    static final class Diff {
        long distinct, added, removed, unchanged;
        int batches;
        Long audienceSize;
        String warning;
        RemovalGuard.Hold held;
    }

    private Diff emit(SyncProperties.PollJob job, long runId, PollJobs.Mode mode, AudienceRef aud, PollCounts c) {
        String name = job.getName();
        Diff d = new Diff();
        store.tx.executeWithoutResult(s -> {
            Number distinct = store.jdbc.queryForObject("SELECT COUNT(DISTINCT row_key) FROM mas_poll_seen WHERE run_id=?", Number.class, runId);
            d.distinct = distinct == null ? 0 : distinct.longValue();
            RemovalGuard.Hold hold = judge(name, runId, mode, aud, c, d.distinct);
            int superseded = store.supersedeHeld(name, runId);
            if (superseded > 0) log.warn("Poll job {}: run {} supersedes {} held run(s) of this job; nothing of them is removed", name, runId, superseded);
            Staging st = new Staging(name, runId, aud, d);
            stageAdds(st, mode);
            if (hold == null) stageRemovals(st, mode);
            st.finish();
            if (hold != null) {
                d.held = hold;
                store.held(runId, c, d.distinct, d.added, d.unchanged, d.batches, hold);
                metrics.guardHeld("poll");
                log.warn("Poll job {}: run {} HELD: {}. Nothing is removed{} until an operator approves it (POST /api/polls/{}/runs/{}/approve)"
                        + " or a later run supersedes it", name, runId, hold.reason(), d.added > 0 ? " (its " + d.added + " adds are sent)" : "", name, runId);
                return;
            }
            warnSmall(name, runId, aud, d);
            store.readDone(runId, c, d.distinct, d.added, d.removed, d.unchanged, d.batches, d.audienceSize, d.warning);
            store.deleteSeen(runId);
        });
        return d;
    }

    /** The guard's verdict for a run that removes (mirror, delete, replace); null: it may go ahead. */
    private RemovalGuard.Hold judge(String name, long runId, PollJobs.Mode mode, AudienceRef aud, PollCounts c, long distinct) {
        return switch (mode) {
            case UPSERT -> null;
            case MIRROR -> guard.check(store.goneCount(runId, name, aud.key()), store.stateCount(name, aud.key()), c.read, store.lastSourceRows(name), true);
            case REPLACE -> guard.check(distinct == 0 ? store.stateCount(name, aud.key()) : store.goneCount(runId, name, aud.key()),
                    store.stateCount(name, aud.key()), c.read, store.lastSourceRows(name), true);
            // a delete job has no state of its own: every row it reads is removed, compared with what is known of the audience
            case DELETE -> guard.check(distinct, known.of(aud), c.read, store.lastSourceRows(name), false);
        };
    }

    /** Where the batches of one run's emit go: a stager, and the replace group they form. */
    private final class Staging {
        final String name;
        final long runId;
        final String audKey;
        final Diff d;
        final String groupKey;
        final BatchStager stager;
        final BatchStager.Group add, remove, replace;
        int gseq;

        Staging(String name, long runId, AudienceRef aud, Diff d) {
            this.name = name;
            this.runId = runId;
            this.audKey = aud.key();
            this.d = d;
            this.groupKey = "poll:" + name + "#" + runId;
            this.stager = new BatchStager(sync.getBatchSize(), sync.getSend().getRemoveBatchSize(), (g, l) -> {
                Batch b = Batch.newBatch(g.audience(), g.action(), l.size(), BatchCodec.encodePayload(l), "poll:" + name).withPoll(name, runId);
                boolean held = g.action() == Action.REPLACE;
                if (held) b = b.withGroup(groupKey, ++gseq);
                batches.insert(b, held);
                d.batches++;
            });
            add = new BatchStager.Group(aud, Action.ADD);
            remove = new BatchStager.Group(aud, Action.REMOVE);
            replace = new BatchStager.Group(aud, Action.REPLACE);
        }

        void finish() {
            stager.flush();
            if (gseq > 0) batches.releaseGroup(groupKey);
        }
    }

    /** The adding part of a run: upsert and mirror adds (sent even when the guard holds the rest). */
    private void stageAdds(Staging st, PollJobs.Mode mode) {
        Diff d = st.d;
        switch (mode) {
            case UPSERT -> {
                long before = store.stateCount(st.name, st.audKey);
                store.streamNew(st.runId, st.name, st.audKey, (k, row) -> { d.added++; st.stager.add(st.add, row); });
                d.unchanged = d.distinct - d.added;
                d.audienceSize = before + d.added;
            }
            case MIRROR -> {
                store.streamNew(st.runId, st.name, st.audKey, (k, row) -> { d.added++; st.stager.add(st.add, row); });
                d.unchanged = d.distinct - d.added;
            }
            default -> { }
        }
    }

    /** The part the guard may hold: mirror removals, delete, replace. */
    private void stageRemovals(Staging st, PollJobs.Mode mode) {
        Diff d = st.d;
        switch (mode) {
            case MIRROR -> {
                store.streamGone(st.runId, st.name, st.audKey, (k, row) -> { d.removed++; st.stager.add(st.remove, row); });
                d.audienceSize = d.distinct;
            }
            case DELETE -> store.streamSeen(st.runId, (k, row) -> { d.removed++; st.stager.add(st.remove, row); });
            case REPLACE -> {
                if (d.distinct == 0) {
                    // Meta cannot replace an audience with nothing: remove what this job last sent instead
                    store.streamState(st.name, st.audKey, (k, row) -> { d.removed++; st.stager.add(st.remove, row); });
                } else {
                    store.streamSeen(st.runId, (k, row) -> { d.added++; st.stager.add(st.replace, row); });
                }
                d.audienceSize = d.distinct;
            }
            default -> { }
        }
    }

    private void warnSmall(String name, long runId, AudienceRef aud, Diff d) {
        if (d.audienceSize != null && d.audienceSize < SMALL_AUDIENCE) {
            d.warning = "audience " + aud.display() + " will hold " + d.audienceSize + " rows after this run, fewer than the " + SMALL_AUDIENCE
                    + " Meta needs before it delivers ads to a Custom Audience (synced anyway)";
            log.warn("Poll job {}: run {}: small audience: {}", name, runId, d.warning);
        }
    }

    /** What approving a held run did. */
    public record Approval(Result result, String status, long rowsRemoved, long rowsReplaced, int batches) {
        public enum Result { APPROVED, NOT_FOUND, NOT_HELD, BUSY }
    }

    /**
     * Releases a held run: its removals (mirror, delete) or its replace are computed again from the rows it read,
     * kept in mas_poll_seen, against the state as it is now (its adds were sent when it was held), and queued.
     * BUSY while another run of the job is in progress.
     */
    public Approval approve(String name, long runId) {
        SyncProperties.PollJob job = jobs.get(name);
        Map<String, Object> run = job == null ? null : store.run(runId);
        if (run == null || !name.equals(column(run, "job"))) return new Approval(Approval.Result.NOT_FOUND, null, 0, 0, 0);
        if (!PollStore.HELD.equals(column(run, "status"))) return new Approval(Approval.Result.NOT_HELD, String.valueOf(column(run, "status")), 0, 0, 0);
        if (!store.claim(name)) return new Approval(Approval.Result.BUSY, PollStore.HELD, 0, 0, 0);
        try {
            PollJobs.Mode mode = PollJobs.Mode.valueOf(String.valueOf(column(run, "mode")).toUpperCase(Locale.ROOT));
            AudienceRef aud = PollJobs.audience(job);
            Diff d = new Diff();
            Boolean ok = store.tx.execute(s -> {
                if (!store.approve(runId)) return false;
                Number distinct = store.jdbc.queryForObject("SELECT COUNT(DISTINCT row_key) FROM mas_poll_seen WHERE run_id=?", Number.class, runId);
                d.distinct = distinct == null ? 0 : distinct.longValue();
                Staging st = new Staging(name, runId, aud, d);
                stageRemovals(st, mode);
                st.finish();
                store.released(runId, d.added, d.removed, d.batches, d.audienceSize);
                store.deleteSeen(runId);
                store.complete(runId);
                return true;
            });
            if (!Boolean.TRUE.equals(ok)) return new Approval(Approval.Result.NOT_HELD, null, 0, 0, 0);
            Map<String, Object> after = store.run(runId);
            String status = after == null ? PollStore.SENDING : String.valueOf(column(after, "status"));
            log.warn("Poll job {}: held run {} APPROVED by an operator: {} rows to remove, {} rows in a replace, {} batches queued",
                    name, runId, d.removed, d.added, d.batches);
            return new Approval(Approval.Result.APPROVED, status, d.removed, d.added, d.batches);
        } finally {
            store.release(name);
        }
    }

    private static Object column(Map<String, Object> row, String name) {
        for (Map.Entry<String, Object> e : row.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        return null;
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        if (m == null && e.getCause() != null) m = e.getCause().toString();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    public void shutdown() {
        manual.shutdownNow();
        leases.shutdownNow();
    }
}
