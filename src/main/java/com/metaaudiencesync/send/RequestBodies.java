package com.metaaudiencesync.send;

import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.Payload;

import java.io.IOException;

/** Writes the Graph request fields for a stored batch, streaming rows from the stored binary form. */
public final class RequestBodies {
    private RequestBodies() {}

    public static void payload(JsonGenerator g, byte[] stored, String ldu) throws IOException { payload(g, Payload.of(stored), ldu); }

    /**
     * @param ldu Limited Data Use of every row, "country,state" (see {@link Ldu}), or null: then the three
     *            DATA_PROCESSING_OPTIONS columns are added with ["LDU"], country, state on each row
     */
    public static void payload(JsonGenerator g, Payload stored, String ldu) throws IOException {
        BatchCodec.Reader r = new BatchCodec.Reader(stored);
        int[] cs = ldu == null ? null : Ldu.countryState(ldu);
        g.writeObjectFieldStart("payload");
        g.writeArrayFieldStart("schema");
        for (MetaKey k : MetaKey.SCHEMA) g.writeString(k.name());
        if (cs != null) {
            g.writeString("DATA_PROCESSING_OPTIONS");
            g.writeString("DATA_PROCESSING_OPTIONS_COUNTRY");
            g.writeString("DATA_PROCESSING_OPTIONS_STATE");
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        while (r.hasNext()) {
            if (cs == null) {
                r.writeRow(g);
            } else {
                r.writeRow(g, x -> {
                    x.writeStartArray();
                    x.writeString("LDU");
                    x.writeEndArray();
                    x.writeNumber(cs[0]);
                    x.writeNumber(cs[1]);
                });
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    public static void session(JsonGenerator g, long sessionId, int seq, boolean last, long estimatedTotal) throws IOException {
        g.writeObjectFieldStart("session");
        g.writeNumberField("session_id", sessionId);
        g.writeNumberField("batch_seq", seq);
        g.writeBooleanField("last_batch_flag", last);
        g.writeNumberField("estimated_num_total", estimatedTotal);
        g.writeEndObject();
    }
}
