package com.metaaudiencesync.ops;

import com.metaaudiencesync.config.CoreBeans;
import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.intake.FileIntake;
import com.metaaudiencesync.intake.IntakeCounts;
import com.metaaudiencesync.intake.IntakeRun;
import com.metaaudiencesync.intake.SourceRecord;
import com.metaaudiencesync.intake.WarmUpData;
import com.metaaudiencesync.meta.AudienceResolver;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.send.BatchSender;
import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.IntakeStore;
import com.metaaudiencesync.store.PayloadSpool;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeanUtils;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Start-up JIT warm-up ({@code sync.warm-up-rows}): synthetic files through a throwaway copy of the service's core,
 * on threads of its own while the rest of the application starts; the routes start once it is done (or after
 * {@link #MAX_WAIT_SECONDS}).
 *
 * <p>Why: the JVM compiles hot code as it runs. A first large file used to meet code that was still interpreted
 * or lightly compiled, while the optimizing compiler took one of two cores for seconds (1 M rows: ≈ 5-6 s cold
 * against ≈ 3.5 s once warm on the benchmark machine). The warm-up moves that work into start-up.
 *
 * <p>What it runs: the real classes — the file intake (sharing the service's normalize threads and digests), the
 * batch and intake stores, the sender, the Graph client — wired to their own temporary directory: an H2 database
 * file and payload spool there, an inbox and outbox there, a loopback stand-in for the Graph API
 * ({@link WarmUpGraph}) with a made-up token, and metrics of their own. Its rows are made up ({@link WarmUpData}).
 * Nothing reaches the service's database, inbox, outbox, metrics, Meta or log (one summary line); the directory is
 * deleted at the end (and, if a kill left one, at a later start).
 */
public final class JitWarmUp {
    private static final Logger log = LoggerFactory.getLogger(JitWarmUp.class);
    static final long MAX_WAIT_SECONDS = 60;
    /** the temporary directories' prefix (under java.io.tmpdir) */
    static final String PREFIX = "mas-warm-up-";
    /** rows per synthetic file */
    static final int FILE_ROWS = 10_000;
    /** rows per batch of the warm-up (at most the service's sync.batch-size) */
    static final int BATCH_ROWS = 1_000;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile IntakeCounts counts;
    private final AtomicLong batches = new AtomicLong();
    private volatile long nanos;
    private volatile Throwable failure;
    private volatile Path directory;

    /**
     * @param intake     the service's file intake (the warm-up's shares its threads and digests)
     * @param realBatches the service's batch store (the warm-up keeps payloads where it does: spool or database)
     * @param dryRun     whether batches go to an outbox (else to the Graph API)
     */
    public JitWarmUp(FileIntake intake, BatchStore realBatches, SyncProperties sync, MetaProperties meta, boolean dryRun) {
        long rows = sync.getWarmUpRows();
        if (rows <= 0) {
            done.countDown();
            return;
        }
        Thread t = new Thread(() -> run(intake, realBatches.spool() != null, sync, meta, dryRun, rows), "mas-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private void run(FileIntake intake, boolean spool, SyncProperties sync, MetaProperties meta, boolean dryRun, long rows) {
        long t0 = System.nanoTime();
        Path dir = null;
        try {
            sweepStale(Path.of(System.getProperty("java.io.tmpdir")), System.currentTimeMillis() - STALE_MILLIS);
            dir = Files.createTempDirectory(PREFIX);
            directory = dir;
            IntakeCounts all = new IntakeCounts();
            try (Core core = new Core(dir, intake, spool, sync, meta, dryRun)) {
                // in passes, each after the compilers have caught up: while start-up keeps their queue long, the JVM
                // raises its thresholds and the hot methods stay on lightly optimized code; they were compiled for
                // real only when the first file came, and that file ran on one core while the compiler took the other.
                // Then short "settling" passes: a method whose count passed the threshold while the queue was long
                // is only queued when it next runs (libphonenumber's parser and H2's page cache were, in the first
                // real file); each settling pass gives them that run on a quiet compiler, until one compiles
                // (almost) nothing new or the rows are used up.
                core.pass(rows / 2, all);
                awaitCompilerQuiet();
                core.pass(rows / 4, all);
                awaitCompilerQuiet();
                long settle = Math.max(1, rows / 20);
                for (long left = rows - rows / 2 - rows / 4; left > 0; left -= settle) {
                    long before = compileMillis();
                    core.pass(Math.min(settle, left), all);
                    awaitCompilerQuiet();
                    settlingPasses++;
                    if (compileMillis() - before < QUIET_PASS_COMPILE_MILLIS) break;
                }
            }
            counts = all;
            nanos = System.nanoTime() - t0;
            log.info("JIT warm-up: {} synthetic rows read, normalized, hashed, stored and {} in {} batches, in {} s ({} settling passes), with a throwaway database{}"
                            + " (nothing reached the service's database, outbox, metrics or Meta)",
                    all.read, dryRun ? "written out" : "sent", batches.get(), String.format("%.2f", nanos / 1e9), settlingPasses,
                    dryRun ? " and outbox" : " and a loopback stand-in for the Graph API");
        } catch (IOException | RuntimeException e) {
            failure = e;
            log.warn("JIT warm-up stopped ({}); the first files run slower until the JVM has compiled the code", e.toString());
        } finally {
            if (dir != null) deleteTree(dir);
            done.countDown();
        }
    }

    /** a warm-up directory older than this was left by a killed start-up (a live warm-up lasts seconds) */
    static final long STALE_MILLIS = 3_600_000;

    /** Deletes warm-up directories a killed start-up left (last modified before {@code before}). */
    static void sweepStale(Path tmp, long before) {
        try (Stream<Path> l = Files.list(tmp)) {
            l.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p)).forEach(p -> {
                try {
                    if (Files.getLastModifiedTime(p).toMillis() < before) deleteTree(p);
                } catch (IOException e) {
                    // gone already, or not ours to read
                }
            });
        } catch (IOException | RuntimeException e) {
            // no readable temporary directory: nothing to sweep
        }
    }

    static void deleteOutboxFile(Path outbox, long batchId) {
        try (java.nio.file.DirectoryStream<Path> l = Files.newDirectoryStream(outbox, String.format("%012d-*", batchId))) {
            for (Path p : l) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            // deleted with the directory at the end
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            log.debug("could not delete the warm-up directory {}: {}", dir, e.toString());
        }
    }

    /**
     * The throwaway core: database, stores, intake, sender and (unless dry-run) the loopback Graph API, all in
     * {@code dir}. The sending threads run while files are read, as the send route does beside the intake route.
     */
    private final class Core implements AutoCloseable {
        private final HikariDataSource ds;
        private final IntakeStore intakes;
        private final BatchStore store;
        private final FileIntake files;
        private final BatchSender sender;
        private final WarmUpGraph graph;
        private final Path inbox;
        private final List<Thread> senders = new ArrayList<>();
        private volatile boolean stop;

        Core(Path dir, FileIntake intake, boolean spool, SyncProperties sync, MetaProperties meta, boolean dryRun) throws IOException {
            ds = new HikariDataSource();
            ds.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath());
            ds.setPoolName("mas-warm-up");
            ds.setMaximumPoolSize(4);
            WarmUpGraph g = null;
            try {
                new ResourceDatabasePopulator(new ClassPathResource("db/schema.sql")).execute(ds);
                JdbcTemplate jdbc = new JdbcTemplate(ds);
                TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
                CoreBeans.h2Durability(jdbc);
                SyncProperties s = copy(sync);
                s.setOutbox(dir.resolve("outbox").toString());
                s.getSend().setMaxRequestsPerSecond(Math.max(1000, sync.getSend().getMaxRequestsPerSecond())); // no pacing
                // smaller batches than the service's: every file fills some (a branch of its own, which the first real
                // batch otherwise took with code compiled without it), and 10 times the database writes and requests
                // per row: the JIT compiles a method once it has run some 15 000 times (more while its queue is long),
                // and with 10 000-row batches the database code (H2's B-tree) reached that only in the first real file
                s.setBatchSize(Math.min(sync.getBatchSize(), BATCH_ROWS));
                long lease = Math.max(sync.getLeaseTime().toMillis(), 60_000);
                store = new BatchStore(jdbc, tx, "warm-up", lease, spool ? new PayloadSpool(dir.resolve("db.spool")) : null,
                        spool && "auto".equals(sync.getPayloadStore()));
                intakes = new IntakeStore(jdbc, tx, store, "warm-up", lease);
                SyncMetrics metrics = new SyncMetrics(new SimpleMeterRegistry());
                files = intake.quietSibling(s, intakes, metrics);
                MetaProperties m = new MetaProperties();
                m.setApiVersion(meta.getApiVersion());
                m.setCustomerFileSource(meta.getCustomerFileSource());
                m.setAdAccountId("1");
                if (!dryRun) {
                    g = WarmUpGraph.start();
                    m.setGraphUrl(g.url());
                    m.setAccessToken("warm-up-made-up-token");
                }
                graph = g;
                GraphClient client = new GraphClient(m, s.getSend().getConnectTimeout(), s.getSend().getRequestTimeout());
                // the audience exists already, as it does after a service's first file: no lookup, no creation line in the log
                jdbc.update("INSERT INTO mas_audience(name, audience_id) VALUES (?, ?)", AUDIENCE, "1");
                sender = new BatchSender(store, client, new AudienceResolver(client, m, jdbc, "warm-up"), new AccountGate(), s, m, metrics, dryRun);
                sender.setQuiet(true);
                sender.addListener(files);
                sender.addListener(new AudienceRegistry(jdbc));
                Path outbox = dryRun ? Path.of(s.getOutbox()) : null;
                sender.addListener(new DeliveryListener() {
                    @Override public void delivered(Batch b, long numReceived, long numInvalid) {
                        batches.incrementAndGet();
                        // a dry-run request file is ≈ 0.7 MB per 1 000 rows: deleted once written, so that the
                        // warm-up never holds more than a few of them (a temporary directory may be a small tmpfs)
                        if (outbox != null) deleteOutboxFile(outbox, b.id());
                    }
                });
                inbox = Files.createDirectories(dir.resolve("inbox"));
                for (int i = 0; i < Math.max(1, s.getSend().getConcurrency()); i++) {
                    Thread t = new Thread(this::sendLoop, "mas-warm-up-send-" + (i + 1));
                    t.setDaemon(true);
                    t.start();
                    senders.add(t);
                }
            } catch (IOException | RuntimeException e) {
                if (g != null) g.close();
                ds.close();
                throw e;
            }
        }

        private void sendLoop() {
            while (!stop) {
                try {
                    sender.sendNext(); // waits a little for the next batch when there is none
                } catch (RuntimeException e) {
                    if (!stop) log.debug("warm-up send: {}", e.toString());
                }
            }
        }

        /** synthetic files so far (each one's number, seed and column set) */
        private int fileCount;

        /** {@code rows} rows in files of at most {@link #FILE_ROWS}, each followed by the sending of its batches */
        void pass(long rows, IntakeCounts all) throws IOException {
            for (long left = rows; left > 0; left -= FILE_ROWS, fileCount++) all.merge(file(fileCount, Math.min(FILE_ROWS, left), 20261203L + fileCount));
            drain();
        }

        /** one synthetic file, claimed, read, stored and moved to .done as the intake route does */
        IntakeCounts file(int k, long rows, long seed) throws IOException {
            Path f = inbox.resolve(AUDIENCE + "." + k + ".csv");
            WarmUpData.write(f, rows, seed, k);
            File file = f.toFile();
            if (!intakes.claim(IntakeRun.keyOf(file), file.getName())) throw new IllegalStateException("warm-up file " + k + " could not be claimed");
            IntakeRun run = files.open(file);
            for (Iterator<List<SourceRecord>> it = files.chunks(run); it.hasNext(); ) files.process(run, it.next());
            files.finish(run);
            if (run.unreadable != null) throw new IOException("warm-up file " + k + " could not be read: " + run.unreadable);
            return run.counts;
        }

        /** waits (at most 30 s) until every stored batch has been sent */
        void drain() {
            long end = System.nanoTime() + 30_000_000_000L;
            while (store.queuedBatches() > 0 && System.nanoTime() < end) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override public void close() {
            stop = true;
            for (Thread t : senders) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (graph != null) graph.close();
            // The database is deleted next: closed without H2's closing work (final store, compaction). That work
            // runs B-tree code on maps the warm-up's writes never touched, with other key and value array types:
            // the JIT's array-check traps then threw away the compiled MVMap.operate, and the first real file
            // compiled it again.
            try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
                st.execute("SHUTDOWN IMMEDIATELY");
            } catch (java.sql.SQLException e) {
                log.debug("warm-up database: {}", e.toString()); // the connection is closed by the shutdown itself
            }
            ds.close();
        }
    }

    /** the warm-up files' audience (their name up to the first dot) */
    static final String AUDIENCE = "mas-warm-up";

    /** a copy of the settings the throwaway core may change (outbox, pacing) without touching the service's */
    static SyncProperties copy(SyncProperties sync) {
        SyncProperties s = new SyncProperties();
        BeanUtils.copyProperties(sync, s);
        BeanUtils.copyProperties(sync.getSend(), s.getSend());
        BeanUtils.copyProperties(sync.getFile(), s.getFile());
        BeanUtils.copyProperties(sync.getRetry(), s.getRetry());
        return s;
    }

    /** a settling pass during which the JIT compilers worked less than this ends the warm-up */
    static final long QUIET_PASS_COMPILE_MILLIS = 100;

    /** settling passes the warm-up ran (see {@link #run}) */
    private volatile int settlingPasses;

    /** the JIT compilers' total time so far (ms), or 0 where the JVM does not tell */
    static long compileMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Waits (at most 3 s) until the JIT compilers have had nothing to do for 200 ms. */
    static void awaitCompilerQuiet() {
        long end = System.nanoTime() + 3_000_000_000L;
        long last = compileMillis(); // 0, and no wait beyond the first 200 ms, where the JVM does not tell
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = compileMillis();
            if (now - last <= 2) return;
            last = now;
        }
    }

    /** Waits for the warm-up to end; true if it ended (successfully or not) in time. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException { return done.await(timeout, unit); }

    /** Waits (at most {@value #MAX_WAIT_SECONDS} s) before the routes start. */
    public void awaitBeforeRoutes() {
        try {
            if (!await(MAX_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("JIT warm-up still running after {} s; starting the routes anyway", MAX_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** the warm-up's counters once it ended (null before, or when it was off or failed) */
    public IntakeCounts counts() { return counts; }

    /** batches the warm-up's sender had acknowledged (by the loopback Graph API or written to its outbox) */
    public long batches() { return batches.get(); }

    public Throwable failure() { return failure; }

    /** the warm-up's temporary directory (deleted when it ended); null before it was made */
    Path directory() { return directory; }
}
