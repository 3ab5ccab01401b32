package com.metaaudiencesync.send;

import java.util.concurrent.locks.LockSupport;

/**
 * Spaces requests to at most {@code perSecond} per second (a ceiling per ad account). Written here rather
 * than taken from resilience4j-ratelimiter because that module is not on the resolved classpath (camel-resilience4j
 * brings only the circuit breaker) and a pacer is a dozen lines.
 */
public final class RequestPacer {
    private final long intervalNanos;
    private long next = System.nanoTime();

    public RequestPacer(double perSecond) {
        this.intervalNanos = (long) (1_000_000_000L / Math.max(0.01, perSecond));
    }

    public void acquire() {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            if (next < now) next = now; // idle: no credit, so any one-second window holds at most perSecond starts
            wait = next - now;
            next += intervalNanos;
        }
        if (wait > 0) LockSupport.parkNanos(wait);
    }
}
