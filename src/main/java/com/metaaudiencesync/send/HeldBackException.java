package com.metaaudiencesync.send;

/** The batch goes back to the queue unchanged, without using an attempt (account paused or waiting, audience being created). */
public class HeldBackException extends RuntimeException {
    private final long delayMillis;

    public HeldBackException(String why, long delayMillis) {
        super(why, null, false, false);
        this.delayMillis = delayMillis;
    }

    public long getDelayMillis() { return delayMillis; }

    /** the delay asked by {@code t} or one of its causes; 0 when none is a HeldBackException */
    public static long delayOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HeldBackException h) return h.delayMillis;
        }
        return 0;
    }
}
