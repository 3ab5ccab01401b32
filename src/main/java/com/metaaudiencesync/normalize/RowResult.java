package com.metaaudiencesync.normalize;

import java.util.List;
import java.util.Map;

/**
 * What the {@link RowBuilder} made of one {@link com.metaaudiencesync.model.RawMember}.
 *
 * @param rows         rows to send (one per email/phone when a member has several); empty when rejected
 * @param rejectReason non-null when the whole member is rejected (e.g. "too_little_to_match")
 * @param fieldIssues  reasons for invalid fields that were dropped (row goes on), reason -> count
 */
public record RowResult(List<String[]> rows, String rejectReason, Map<String, Integer> fieldIssues) {
    public boolean rejected() { return rejectReason != null; }
}
