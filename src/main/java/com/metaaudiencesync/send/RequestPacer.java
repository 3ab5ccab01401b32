package com.metaaudiencesync.send;

import java.util.concurrent.locks.LockSupport;

/**
 * The send route's throttle: spaces requests evenly, at most {@code perSecond} per second (a ceiling per ad
 * account; fractional rates allowed), unlike Camel's throttle EIP, which lets a period's quota go in a burst.
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
