package com.metaaudiencesync.poll;

import com.metaaudiencesync.send.DeliveryListener;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;

import java.util.List;

/**
 * The state of a poll job changes only with what Meta acknowledged: an acknowledged add puts its rows in
 * mas_poll_state, an acknowledged remove takes them out, an acknowledged replace session makes the state its
 * rows. A dead-lettered batch changes no state (the next run sends it again). Also counts the run's batches.
 */
public class PollDeliveryListener implements DeliveryListener {
    private final PollStore store;

    public PollDeliveryListener(PollStore store) { this.store = store; }

    @Override
    public void delivered(Batch b, long numReceived, long numInvalid) {
        if (b.pollJob() == null || b.pollRun() == null) return;
        List<String[]> rows = BatchCodec.decode(b.payload());
        String aud = b.audience().key();
        switch (b.action()) {
            case ADD -> store.stateAdd(b.pollJob(), aud, b.pollRun(), rows);
            case REMOVE -> store.stateRemove(b.pollJob(), aud, rows);
            case REPLACE -> store.stateReplace(b.pollJob(), aud, b.pollRun(), rows);
            default -> { }
        }
        store.batchAcked(b.pollRun(), b.rowCount());
    }

    @Override
    public void deadLettered(Batch b, String reason) {
        if (b.pollJob() == null || b.pollRun() == null) return;
        store.batchDead(b.pollRun(), reason);
    }
}
