package com.metaaudiencesync.poll;

import java.util.Map;
import java.util.TreeMap;

/** Counters of one run's read. */
public final class PollCounts {
    public long read;
    public long accepted;
    public long rejected;
    public long rowsOut;
    public final Map<String, Long> reasons = new TreeMap<>();

    void reject(String reason) {
        rejected++;
        reasons.merge(reason == null ? "unknown" : reason, 1L, Long::sum);
    }

    String reasonsJson() {
        if (reasons.isEmpty()) return null;
        StringBuilder sb = new StringBuilder("{");
        reasons.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k.replace("\"", "")).append("\":").append(v));
        return sb.append('}').toString();
    }
}
