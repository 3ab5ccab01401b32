package com.metaaudiencesync.lifecycle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether webhook intake takes requests: closed while the service starts (until the routes that store webhooks
 * run) and again from the moment shutdown begins. Counts the requests it let in, so a drain can wait for them
 * to be committed and answered before the routes stop.
 */
public class IntakeGate {
    public enum State { STARTING, OPEN, DRAINING }

    private volatile State state = State.STARTING;
    private final AtomicInteger inFlight = new AtomicInteger();

    public State state() { return state; }

    public boolean isOpen() { return state == State.OPEN; }

    public void open() {
        if (state == State.STARTING) state = State.OPEN;
    }

    /** Closes the gate for good: later requests are refused, the ones already let in finish. */
    public void drain() { state = State.DRAINING; }

    /**
     * Lets a request in when the gate is open; the caller must {@link #exit()} once it has answered.
     * The count goes up before the state is read, so {@link #awaitIdle} never misses a request let in.
     */
    public boolean enter() {
        inFlight.incrementAndGet();
        if (state == State.OPEN) return true;
        inFlight.decrementAndGet();
        return false;
    }

    public void exit() { inFlight.decrementAndGet(); }

    public int inFlight() { return inFlight.get(); }

    /** Waits until no request let in is still being handled, at most {@code max}; true when idle. */
    public boolean awaitIdle(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }
}
