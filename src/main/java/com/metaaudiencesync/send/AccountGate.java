package com.metaaudiencesync.send;

import com.metaaudiencesync.meta.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops all sending for the ad account after an auth or permission/terms error: everything stays queued,
 * health turns DOWN with what the operator must do, and a periodic probe reopens the gate.
 */
public class AccountGate {
    private static final Logger log = LoggerFactory.getLogger(AccountGate.class);
    private volatile Outcome blockedBy;
    private volatile long blockedAt;

    public boolean isOpen() { return blockedBy == null; }
    public Outcome blockedBy() { return blockedBy; }
    public long blockedAt() { return blockedAt; }

    public synchronized void block(Outcome o) {
        if (blockedBy == null) {
            blockedAt = System.currentTimeMillis();
            log.error("Sending to Meta is PAUSED, nothing is lost (everything stays queued). Meta said: {}. What to do: {}",
                    o.message(), o.userAction());
        }
        blockedBy = o;
    }

    public synchronized void open() {
        if (blockedBy != null) {
            log.info("Meta access works again: sending resumes (was paused for {} s)", (System.currentTimeMillis() - blockedAt) / 1000);
        }
        blockedBy = null;
    }
}
