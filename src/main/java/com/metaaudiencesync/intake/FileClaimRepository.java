package com.metaaudiencesync.intake;

import com.metaaudiencesync.store.IntakeStore;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

import java.io.File;

/**
 * The file consumer's read lock (readLock=idempotent-changed): a file is only read by the instance that
 * claims it in table mas_intake, so two instances on one inbox never process a file twice, and a file whose
 * instance died is taken over when its lease runs out. The key is name + size + modification time.
 */
public class FileClaimRepository extends ServiceSupport implements IdempotentRepository {
    private final IntakeStore intakes;

    public FileClaimRepository(IntakeStore intakes) { this.intakes = intakes; }

    @Override public boolean add(String key) {
        File f = new File(key);
        // another instance may have finished the file and moved it since this one listed the inbox: a claim on a
        // DONE key would otherwise reset it as if the file had been dropped again. The instance that finishes a
        // file moves it before it marks it DONE, so a DONE intake finished after this check is that race, not a
        // new drop of the same file (IntakeStore.claim's seenAt).
        long seenAt = System.currentTimeMillis();
        if (!f.isFile()) return false;
        String k = IntakeRun.keyOf(f);
        boolean claimed = intakes.claim(k, f.getName(), seenAt);
        if (claimed && !f.isFile()) {
            intakes.markDone(k);
            return false;
        }
        return claimed;
    }
    @Override public boolean contains(String key) { return false; }
    /** called on rollback: the claim is released so the file is tried again */
    @Override public boolean remove(String key) { intakes.release(IntakeRun.keyOf(new File(key))); return true; }
    @Override public boolean confirm(String key) { return true; }
    @Override public void clear() { }
}
