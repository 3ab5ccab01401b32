package com.metaaudiencesync.ops;

import com.metaaudiencesync.intake.FileIntake;
import com.metaaudiencesync.intake.IntakeCounts;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.send.RequestBodies;
import com.metaaudiencesync.store.Payload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Start-up JIT warm-up ({@code sync.warm-up-rows}): synthetic rows through the file path's code, on a thread of its
 * own while the rest of the application starts; the routes start once it is done (or after {@link #MAX_WAIT_SECONDS}).
 *
 * <p>Why: the JVM compiles hot code as it runs. A first large file used to meet code that was still interpreted
 * or lightly compiled, while the optimizing compiler took one of two cores for seconds (1 M rows: ≈ 6 s cold
 * against ≈ 4 s once warm on the benchmark machine). The warm-up moves that work into start-up. It stores,
 * sends, moves and counts nothing (the metrics and reports only see real input) and its rows are made up.
 */
public final class JitWarmUp {
    private static final Logger log = LoggerFactory.getLogger(JitWarmUp.class);
    static final long MAX_WAIT_SECONDS = 60;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile IntakeCounts counts;
    private volatile long batches;
    private volatile long nanos;
    private volatile Throwable failure;

    /**
     * @param dryRun whether request bodies are built as the dry-run outbox writes them (else as Graph requests)
     */
    public JitWarmUp(FileIntake intake, GraphClient graph, boolean dryRun, long rows) {
        if (rows <= 0) {
            done.countDown();
            return;
        }
        Thread t = new Thread(() -> run(intake, graph, dryRun, rows), "mas-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private void run(FileIntake intake, GraphClient graph, boolean dryRun, long rows) {
        long t0 = System.nanoTime();
        try {
            IntakeCounts all = new IntakeCounts();
            // in passes, each after the compilers have caught up: while start-up keeps their queue long, the JVM
            // raises its thresholds and the hot methods stay on lightly optimized code; they were compiled for
            // real only when the first file came, and that file ran on one core while the compiler took the other
            long[] passes = {rows / 2, rows / 4, rows - rows / 2 - rows / 4};
            for (int i = 0; i < passes.length; i++) {
                if (passes[i] <= 0) continue;
                all.merge(intake.warmUp(passes[i], 20261203L + i, p -> {
                    batches++;
                    body(graph, dryRun, p);
                }));
                awaitCompilerQuiet();
            }
            counts = all;
            nanos = System.nanoTime() - t0;
            log.info("JIT warm-up: {} synthetic rows read, normalized, hashed and batched, {} request bodies built, in {} s (nothing stored or sent)",
                    all.read, batches, String.format("%.2f", nanos / 1e9));
        } catch (IOException | RuntimeException e) {
            failure = e;
            log.warn("JIT warm-up stopped ({}); the first files run slower until the JVM has compiled the code", e.toString());
        } finally {
            done.countDown();
        }
    }

    /** Waits (at most 3 s) until the JIT compilers have had nothing to do for 200 ms. */
    static void awaitCompilerQuiet() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long end = System.nanoTime() + 3_000_000_000L;
        long last = jit.getTotalCompilationTime();
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            if (now - last <= 2) return;
            last = now;
        }
    }

    private static void body(GraphClient graph, boolean dryRun, Payload p) {
        GraphClient.BodyWriter w = g -> RequestBodies.payload(g, p, null);
        try {
            if (dryRun) GraphClient.writeBodyWithoutAuth(OutputStream.nullOutputStream(), w);
            else graph.buildBodyOnly(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    public long batches() { return batches; }

    public Throwable failure() { return failure; }
}
