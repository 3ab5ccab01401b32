package com.metaaudiencesync.send;

import com.metaaudiencesync.store.Batch;

/** Told when a batch leaves the queue: delivered (Meta acknowledged it) or dead-lettered. */
public interface DeliveryListener {
    default void delivered(Batch b, long numReceived, long numInvalid) {}
    default void deadLettered(Batch b, String reason) {}
}
