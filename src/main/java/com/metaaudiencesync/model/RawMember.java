package com.metaaudiencesync.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One member as an intake channel read it, before validation and normalization: raw strings per Meta key
 * (several values allowed for EMAIL and PHONE), values a source marked as already SHA-256 hashed, a full
 * date of birth to split, and where it goes (audience, action). Holds raw PII: never log it, never store it.
 */
public final class RawMember {
    public final EnumMap<MetaKey, List<String>> values = new EnumMap<>(MetaKey.class);
    public final EnumMap<MetaKey, List<String>> prehashed = new EnumMap<>(MetaKey.class);
    /** ISO yyyy-MM-dd (or yyyyMMdd) date of birth, split into DOBY/DOBM/DOBD unless those are given. */
    public String dateOfBirth;
    public String audienceId;
    public String audienceName;
    public Action action;
    /** Limited Data Use columns, passed through when present (null when absent). */
    public String ldu;
    public String lduCountry;
    public String lduState;

    public RawMember add(MetaKey key, String raw) {
        if (raw != null) values.computeIfAbsent(key, k -> new ArrayList<>(1)).add(raw);
        return this;
    }

    public RawMember addPrehashed(MetaKey key, String hash) {
        if (hash != null) prehashed.computeIfAbsent(key, k -> new ArrayList<>(1)).add(hash);
        return this;
    }

    public String first(MetaKey key) {
        List<String> l = values.get(key);
        return l == null || l.isEmpty() ? null : l.get(0);
    }

    public Map<MetaKey, List<String>> values() { return values; }
}
