package com.metaaudiencesync.send;

import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.StoreTestRows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The send route's workers ({@link BatchSender#workers}, {@link BatchSender#claim}) over a real H2 database and
 * a real dry-run outbox: a worker sends one batch per step, oldest first; with nothing ready it waits for this
 * instance to commit a batch and sends that one in the same step, instead of ending and leaving it to the next
 * tick; a batch that is only held (a replace group being written) or rolled back does not wake it.
 */
class SendWorkerH2Test {
    @TempDir Path dir;
    JdbcTemplate jdbc;
    TransactionTemplate tx;
    BatchStore store;
    BatchSender sender;
    AccountGate gate;
    Path outbox;
    org.h2.jdbcx.JdbcDataSource ds;

    @BeforeEach
    void setUp() throws Exception {
        ds = StoreTestRows.h2(dir.resolve("db"));
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        store = new BatchStore(jdbc, tx, "worker-test", 60_000);
        SyncProperties sync = new SyncProperties();
        outbox = dir.resolve("outbox");
        sync.setOutbox(outbox.toString());
        sync.getSend().setConcurrency(3);
        gate = new AccountGate();
        sender = sender(sync, true);
    }

    private BatchSender sender(SyncProperties sync, boolean dryRun) {
        MetaProperties meta = new MetaProperties();
        GraphRequests requests = new GraphRequests(new GraphClient(meta, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        return new BatchSender(store, null, gate, sync, meta, new SyncMetrics(new SimpleMeterRegistry()), dryRun, requests, null);
    }

    /** one step of a dry-run worker, as routes/send.camel.yaml runs it: claim, then write to the outbox */
    private boolean step(BatchSender s) {
        Batch b = s.claim();
        if (b == null) return false;
        s.writeOutbox(b);
        return true;
    }

    private Batch batch(String audience, int rows) {
        return Batch.newBatch(AudienceRef.ofName(audience), Action.ADD, rows, BatchCodec.encode(StoreTestRows.rows(rows)), "test");
    }

    private List<String> sent() throws Exception {
        if (!Files.isDirectory(outbox)) return List.of();
        try (Stream<Path> s = Files.list(outbox)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void oneWorkerPerConcurrencySlotAndNoneWhileTheAccountIsPaused() {
        assertThat(sender.workers()).hasSize(3);
        SyncProperties sync = new SyncProperties();
        BatchSender live = sender(sync, false);
        assertThat(live.workers()).hasSize(sync.getSend().getConcurrency());
        gate.block(new Outcome(Outcome.Kind.PERMANENT, "190", null, "token expired", 0, null));
        assertThat(live.workers()).as("paused account: no worker").isEmpty();
        store.insert(batch("waiting", 1), false);
        assertThat(step(live)).as("paused account: a running worker stops").isFalse();
        assertThat(store.queuedBatches()).isEqualTo(1);
    }

    @Test
    void eachStepSendsTheOldestReadyBatchAndAnIdleWorkerEnds() throws Exception {
        store.insert(batch("first", 3), false);
        store.insert(batch("second", 2), false);

        assertThat(step(sender)).isTrue();
        assertThat(sent()).singleElement().asString().endsWith("-add-first.json");
        assertThat(step(sender)).isTrue();
        assertThat(sent()).hasSize(2).last().asString().endsWith("-add-second.json");
        assertThat(store.queuedBatches()).isZero();

        long t0 = System.nanoTime();
        assertThat(step(sender)).as("nothing ready: the worker ends").isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("after waiting for a new batch a little")
                .isGreaterThanOrEqualTo(BatchSender.IDLE_WAIT_MILLIS - 5);
    }

    @Test
    void anIdleWorkerSendsABatchCommittedWhileItWaits() throws Exception {
        CompletableFuture<Boolean> step = new CompletableFuture<>();
        Thread worker = new Thread(() -> step.complete(step(sender)), "worker");
        worker.start();
        // the worker found nothing to claim and waits; a batch stored meanwhile in a transaction, as a file's intake
        // stores it, is sent by that same step once committed
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> worker.getState() == Thread.State.TIMED_WAITING);
        tx.executeWithoutResult(s -> store.insert(batch("late", 4), false));
        assertThat(step.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent()).singleElement().asString().endsWith("-add-late.json");
        assertThat(store.queuedBatches()).isZero();
    }

    @Test
    void theAcknowledgementAndTheListenersCountersCommitTogetherAndAFailingListenerDoesNotUndoIt() throws Exception {
        jdbc.execute("CREATE TABLE ack_count(n INT)");
        jdbc.update("INSERT INTO ack_count VALUES (0)");
        AtomicBoolean fail = new AtomicBoolean();
        List<Long> seenQueued = new CopyOnWriteArrayList<>();
        org.h2.jdbcx.JdbcDataSource otherDs = new org.h2.jdbcx.JdbcDataSource();
        otherDs.setURL(ds.getURL());
        otherDs.setUser("sa");
        JdbcTemplate other = new JdbcTemplate(otherDs); // another session: sees only what is committed
        sender.addListener(new DeliveryListener() {
            @Override public void delivered(Batch b, long numReceived, long numInvalid) {
                // inside the acknowledgement's transaction: the batch's delete is not visible to another connection yet
                seenQueued.add(other.queryForObject("SELECT COUNT(*) FROM mas_batch", Long.class));
                jdbc.update("UPDATE ack_count SET n = n + 1");
                if (fail.get()) throw new IllegalStateException("listener failed");
            }
            @Override public void deadLettered(Batch b, String reason) { }
        });

        store.insert(batch("together", 2), false);
        assertThat(step(sender)).isTrue();
        assertThat(store.queuedBatches()).isZero();
        assertThat(jdbc.queryForObject("SELECT n FROM ack_count", Integer.class)).isEqualTo(1);
        assertThat(seenQueued).as("the listener ran before the delete was committed: one transaction").containsExactly(1L);

        // a listener that fails rolls the combined transaction back: the batch is then acknowledged alone, and the
        // listeners run once more, best effort (the failed attempt's count was rolled back with it)
        fail.set(true);
        store.insert(batch("alone", 2), false);
        assertThat(step(sender)).isTrue();
        assertThat(store.queuedBatches()).as("acknowledged although a listener failed").isZero();
        assertThat(sent()).hasSize(2);
        assertThat(jdbc.queryForObject("SELECT n FROM ack_count", Integer.class)).as("rolled-back count not kept, retried count kept").isEqualTo(2);
    }

    @Test
    void heldAndRolledBackBatchesDoNotWakeAWaitingWorker() throws Exception {
        long seen = store.storedCount();
        store.insert(Batch.newBatch(AudienceRef.ofName("replace"), Action.REPLACE, 1, BatchCodec.encode(StoreTestRows.rows(1)), "test")
                .withGroup("g#1", 1), true);
        try {
            tx.executeWithoutResult(s -> {
                store.insert(batch("rolled-back", 1), false);
                throw new IllegalStateException("roll back");
            });
        } catch (IllegalStateException expected) {
            // the insert is undone
        }
        assertThat(store.storedCount()).isEqualTo(seen);
        assertThat(store.awaitStored(seen, 50)).isFalse();
        store.insert(batch("ready", 1), false);
        assertThat(store.awaitStored(seen, 50)).isTrue();
    }
}
