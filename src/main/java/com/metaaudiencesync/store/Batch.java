package com.metaaudiencesync.store;

import com.metaaudiencesync.model.Action;

/** A stored batch of final rows for one audience and one action. */
public record Batch(long id, AudienceRef audience, Action action, int rowCount, Payload payload, String source,
                    String intakeKey, Integer chunkSeq, String groupKey, Integer groupSeq, String pollJob, Long pollRun,
                    int attempts, Long firstFailureAt, long createdAt, String ldu) {

    public static Batch newBatch(AudienceRef audience, Action action, int rowCount, Payload payload, String source) {
        return new Batch(0, audience, action, rowCount, payload, source, null, null, null, null, null, null, 0, null, 0, null);
    }

    public static Batch newBatch(AudienceRef audience, Action action, int rowCount, byte[] payload, String source) {
        return newBatch(audience, action, rowCount, Payload.of(payload), source);
    }

    public Batch withIntake(String intakeKey, int chunkSeq) {
        return new Batch(id, audience, action, rowCount, payload, source, intakeKey, chunkSeq, groupKey, groupSeq, pollJob, pollRun, attempts, firstFailureAt, createdAt, ldu);
    }

    public Batch withGroup(String groupKey, int groupSeq) {
        return new Batch(id, audience, action, rowCount, payload, source, intakeKey, chunkSeq, groupKey, groupSeq, pollJob, pollRun, attempts, firstFailureAt, createdAt, ldu);
    }

    /** Limited Data Use of every row of this batch, "country,state" (sent as DATA_PROCESSING_OPTIONS ["LDU"]), or null */
    public Batch withLdu(String ldu) {
        return new Batch(id, audience, action, rowCount, payload, source, intakeKey, chunkSeq, groupKey, groupSeq, pollJob, pollRun, attempts, firstFailureAt, createdAt, ldu);
    }

    public Batch withPoll(String pollJob, long pollRun) {
        return new Batch(id, audience, action, rowCount, payload, source, intakeKey, chunkSeq, groupKey, groupSeq, pollJob, pollRun, attempts, firstFailureAt, createdAt, ldu);
    }
}
