package com.metaaudiencesync.send;

import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.ops.SyncMetrics;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** The steps of route graph-post around the HTTP call: the one place a Graph answer is handed to Java. */
public class GraphCalls {
    private final SyncMetrics metrics;
    private final GraphClient graph;

    public GraphCalls(SyncMetrics metrics, GraphClient graph) {
        this.metrics = metrics;
        this.graph = graph;
    }

    public long start() { return System.nanoTime(); }

    /** The HTTP answer (status, response headers, body), timed under {@code op}. */
    public GraphResponse answer(int status, Map<String, Object> headers, String body, long start, String op) {
        metrics.graphLatency(op, Duration.ofNanos(System.nanoTime() - start));
        return graph.observed(GraphResponse.of(status, headers, body));
    }

    /** No answer: timeout, refused or dropped connection. */
    public GraphResponse noAnswer(IOException e, long start, String op) {
        metrics.graphLatency(op, Duration.ofNanos(System.nanoTime() - start));
        return GraphResponse.noAnswer(e);
    }
}
