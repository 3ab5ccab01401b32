package com.metaaudiencesync.intake;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.Payload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups final rows per (audience, action) and hands out full batches of at most batch-size rows, in a
 * deterministic order (so a re-read after a crash produces the same batches and can skip the ones already
 * stored). Holds at most batch-size rows per open group, already in stored form: memory does not grow with the source.
 */
public final class BatchStager {
    /** @param ldu Limited Data Use "country,state" shared by the rows of the group, or null */
    public record Group(AudienceRef audience, Action action, String ldu) {
        public Group(AudienceRef audience, Action action) { this(audience, action, null); }

        /** no group yet (a placeholder that equals no real group) */
        public static final Group NONE = new Group(null, null, null);
    }

    /** Receives full batches as rows (decoded from the staged form; for callers that want Strings). */
    public interface Sink {
        void emit(Group group, List<String[]> rows);
    }

    /** Receives full batches in stored form, ready for {@code mas_batch.payload}. */
    public interface PayloadSink {
        /** @param payload the batch in {@link BatchCodec} form */
        void emit(Group group, Payload payload, int rows);
    }

    private final int batchSize;
    private final int removeBatchSize;
    private final PayloadSink sink;
    private final Map<Group, BatchCodec.Writer> open = new LinkedHashMap<>();
    private final Map<Group, long[]> rowsPerGroup = new LinkedHashMap<>();
    /** the group of the previous row (rows of a file usually all go to one group): saves the map lookups */
    private Group lastGroup;
    private BatchCodec.Writer lastList;
    private long[] lastCount;

    public BatchStager(int batchSize, int removeBatchSize, PayloadSink sink) {
        this.batchSize = batchSize;
        this.removeBatchSize = Math.min(batchSize, removeBatchSize);
        this.sink = sink;
    }

    public BatchStager(int batchSize, int removeBatchSize, Sink sink) {
        this(batchSize, removeBatchSize, (PayloadSink) (g, payload, n) -> sink.emit(g, BatchCodec.decode(payload)));
    }

    public void add(Group g, String[] row) {
        writer(g).add(row);
        added(g);
    }

    /** Adds a row already in stored form ({@link BatchCodec#encodeRow}). */
    public void addEncoded(Group g, byte[] row) {
        writer(g).addEncoded(row);
        added(g);
    }

    private BatchCodec.Writer writer(Group g) {
        if (lastList != null && (g == lastGroup || g.equals(lastGroup))) return lastList;
        BatchCodec.Writer l = open.computeIfAbsent(g, k -> new BatchCodec.Writer(limit(k)));
        lastGroup = g;
        lastList = l;
        lastCount = rowsPerGroup.computeIfAbsent(g, k -> new long[1]);
        return l;
    }

    private void added(Group g) {
        BatchCodec.Writer l = lastList;
        lastCount[0]++;
        if (l.rowCount() >= limit(g)) {
            open.remove(g);
            lastList = null;
            sink.emit(g, l.toPayload(), l.rowCount());
        }
    }

    private int limit(Group g) { return g.action() == Action.REMOVE || g.action() == Action.REMOVE_ALL ? removeBatchSize : batchSize; }

    /** Emits every partial batch (end of source). */
    public void flush() {
        List<Map.Entry<Group, BatchCodec.Writer>> rest = new ArrayList<>(open.entrySet());
        open.clear();
        lastList = null;
        for (Map.Entry<Group, BatchCodec.Writer> e : rest) {
            if (e.getValue().rowCount() > 0) sink.emit(e.getKey(), e.getValue().toPayload(), e.getValue().rowCount());
        }
    }

    public Map<Group, Long> rowsPerGroup() {
        Map<Group, Long> m = new LinkedHashMap<>();
        rowsPerGroup.forEach((g, n) -> m.put(g, n[0]));
        return m;
    }
}
