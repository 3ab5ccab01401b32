package com.metaaudiencesync.send;

import com.metaaudiencesync.meta.GraphResponse;
import org.apache.hc.core5.http.HttpEntity;

/** POSTs a body to a Graph path through the route direct:graph-post (for Java callers: replace sessions). */
public interface GraphPoster {
    /** @param op the metrics tag (add, remove, replace, ...) */
    GraphResponse post(String path, String op, HttpEntity body);
}
