package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;
import org.apache.commons.codec.digest.DigestUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RawMember -> validated, normalized, hashed rows. Thread-safe.
 * STUB: full Meta normalization implemented in the normalizer work.
 */
public final class RowBuilder {
    private final String defaultCountry;

    public RowBuilder(String defaultCountry) { this.defaultCountry = defaultCountry; }

    public RowResult build(RawMember m) {
        List<String[]> rows = new ArrayList<>();
        List<String> emails = m.values.get(MetaKey.EMAIL);
        if (emails == null || emails.isEmpty()) return new RowResult(List.of(), "too_little_to_match", Map.of());
        for (String e : emails) {
            String[] row = new String[MetaKey.COUNT];
            java.util.Arrays.fill(row, "");
            row[MetaKey.EMAIL.ordinal()] = DigestUtils.sha256Hex(e.trim().toLowerCase());
            rows.add(row);
        }
        return new RowResult(rows, null, Map.of());
    }
}
