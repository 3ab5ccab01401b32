package com.metaaudiencesync.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counters of one intake (a file, a webhook request, a poll run): what was read, accepted, rejected and why. */
public final class IntakeCounts {
    private static final int MAX_SAMPLES = 20;
    public long read;
    public long accepted;
    public long rejected;
    public long rowsOut;
    public final Map<String, Long> rejectReasons = new TreeMap<>();
    public final Map<String, List<Long>> rejectLines = new TreeMap<>();
    public final Map<String, Long> fieldIssues = new TreeMap<>();

    public void reject(String reason, long line) {
        rejected++;
        rejectReasons.merge(reason, 1L, Long::sum);
        List<Long> l = rejectLines.computeIfAbsent(reason, k -> new ArrayList<>());
        if (l.size() < MAX_SAMPLES && line > 0) l.add(line);
    }

    public void fieldIssues(Map<String, Integer> m) {
        for (Map.Entry<String, Integer> e : m.entrySet()) fieldIssues.merge(e.getKey(), (long) e.getValue(), Long::sum);
    }

    public void merge(IntakeCounts o) {
        read += o.read;
        accepted += o.accepted;
        rejected += o.rejected;
        rowsOut += o.rowsOut;
        o.rejectReasons.forEach((k, v) -> rejectReasons.merge(k, v, Long::sum));
        o.fieldIssues.forEach((k, v) -> fieldIssues.merge(k, v, Long::sum));
        o.rejectLines.forEach((k, v) -> {
            List<Long> l = rejectLines.computeIfAbsent(k, x -> new ArrayList<>());
            for (Long x : v) if (l.size() < MAX_SAMPLES) l.add(x);
        });
    }
}
