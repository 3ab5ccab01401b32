package com.metaaudiencesync.send;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.store.Batch;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Request bodies of batch POSTs: JSON streamed from the stored batch straight to the connection (no buffer of
 * the whole body), with access_token and appsecret_proof as body fields, never in a URL.
 */
public class GraphRequests {
    private static final JsonFactory JSON = new JsonFactory();

    private final GraphClient graph;

    public GraphRequests(GraphClient graph) { this.graph = graph; }

    /** a replace file's usersreplace session: one per group, batches numbered from 1 */
    public record Session(long id, int seq, boolean last, long total) {}

    public HttpEntity body(Batch b) { return body(b, null); }

    public HttpEntity body(Batch b, Session s) {
        return new JsonBody(out -> write(out, b, s, true));
    }

    /** The body without credentials (the dry-run outbox). */
    public void writeWithoutAuth(OutputStream out, Batch b, Session s) throws IOException { write(out, b, s, false); }

    private void write(OutputStream out, Batch b, Session s, boolean auth) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            if (b.action() == Action.REMOVE || b.action() == Action.REMOVE_ALL) g.writeStringField("method", "DELETE");
            RequestBodies.payload(g, b.payload(), b.ldu());
            if (s != null) RequestBodies.session(g, s.id(), s.seq(), s.last(), s.total());
            if (auth) graph.writeAuth(g);
            g.writeEndObject();
        }
    }

    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A JSON body written on demand, sent chunked; repeatable (written again when asked again). */
    static final class JsonBody extends AbstractHttpEntity {
        private final Writer writer;

        JsonBody(Writer writer) {
            super(ContentType.APPLICATION_JSON, null, true);
            this.writer = writer;
        }

        @Override public void writeTo(OutputStream out) throws IOException { writer.writeTo(out); }

        @Override public InputStream getContent() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writer.writeTo(out);
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override public long getContentLength() { return -1; }
        @Override public boolean isRepeatable() { return true; }
        @Override public boolean isStreaming() { return false; }
        @Override public void close() { }
    }
}
