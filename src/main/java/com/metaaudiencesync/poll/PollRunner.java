package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
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
 * changes no state. One run per job at a time, across instances (claim row with a lease in mas_poll_job).
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

    public PollRunner(SyncProperties sync, PollStore store, PollSources sources, RowBuilder rows, BatchStore batches, SyncMetrics metrics) {
        this.sync = sync;
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
        log.info("Poll job {}: run {} read {} records ({} accepted, {} rejected, {} distinct rows): {} to add, {} to remove, {} unchanged, {} batches queued, {} s",
                name, runId, c.read, c.accepted, c.rejected, d.distinct, d.added, d.removed, d.unchanged, d.batches,
                String.format("%.2f", (System.nanoTime() - t0) / 1e9));
    }

    static final class Diff {
        long distinct, added, removed, unchanged;
        int batches;
        Long audienceSize;
        String warning;
    }

    private Diff emit(SyncProperties.PollJob job, long runId, PollJobs.Mode mode, AudienceRef aud, PollCounts c) {
        String name = job.getName();
        String audKey = aud.key();
        String groupKey = "poll:" + name + "#" + runId;
        Diff d = new Diff();
        int[] gseq = {0};
        store.tx.executeWithoutResult(s -> {
            BatchStager stager = new BatchStager(sync.getBatchSize(), sync.getSend().getRemoveBatchSize(), (g, l) -> {
                Batch b = Batch.newBatch(g.audience(), g.action(), l.size(), BatchCodec.encodePayload(l), "poll:" + name).withPoll(name, runId);
                boolean held = g.action() == Action.REPLACE;
                if (held) b = b.withGroup(groupKey, ++gseq[0]);
                batches.insert(b, held);
                d.batches++;
            });
            BatchStager.Group add = new BatchStager.Group(aud, Action.ADD);
            BatchStager.Group remove = new BatchStager.Group(aud, Action.REMOVE);
            BatchStager.Group replace = new BatchStager.Group(aud, Action.REPLACE);
            Number distinct = store.jdbc.queryForObject("SELECT COUNT(DISTINCT row_key) FROM mas_poll_seen WHERE run_id=?", Number.class, runId);
            d.distinct = distinct == null ? 0 : distinct.longValue();
            switch (mode) {
                case UPSERT -> {
                    long before = store.stateCount(name, audKey);
                    store.streamNew(runId, name, audKey, (k, row) -> { d.added++; stager.add(add, row); });
                    d.unchanged = d.distinct - d.added;
                    d.audienceSize = before + d.added;
                }
                case MIRROR -> {
                    store.streamNew(runId, name, audKey, (k, row) -> { d.added++; stager.add(add, row); });
                    store.streamGone(runId, name, audKey, (k, row) -> { d.removed++; stager.add(remove, row); });
                    d.unchanged = d.distinct - d.added;
                    d.audienceSize = d.distinct;
                }
                case DELETE -> store.streamSeen(runId, (k, row) -> { d.removed++; stager.add(remove, row); });
                case REPLACE -> {
                    if (d.distinct == 0) {
                        // Meta cannot replace an audience with nothing: remove what this job last sent instead
                        store.streamState(name, audKey, (k, row) -> { d.removed++; stager.add(remove, row); });
                    } else {
                        store.streamSeen(runId, (k, row) -> { d.added++; stager.add(replace, row); });
                    }
                    d.audienceSize = d.distinct;
                }
            }
            stager.flush();
            if (gseq[0] > 0) batches.releaseGroup(groupKey);
            if (d.audienceSize != null && d.audienceSize < SMALL_AUDIENCE) {
                d.warning = "audience " + aud.display() + " will hold " + d.audienceSize + " rows after this run, fewer than the " + SMALL_AUDIENCE
                        + " Meta needs before it delivers ads to a Custom Audience (synced anyway)";
                log.warn("Poll job {}: run {}: small audience: {}", name, runId, d.warning);
            }
            store.readDone(runId, c, d.distinct, d.added, d.removed, d.unchanged, d.batches, d.audienceSize, d.warning);
            store.deleteSeen(runId);
        });
        return d;
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
