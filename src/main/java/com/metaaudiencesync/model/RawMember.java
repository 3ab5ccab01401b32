package com.metaaudiencesync.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One member as an intake channel read it, before validation and normalization: raw strings per Meta key
 * (several values allowed for EMAIL and PHONE), values a source marked as already SHA-256 hashed, a full
 * date of birth to split, and where it goes (audience, action). Holds raw PII: never log it, never store it.
 */
public final class RawMember {
    /** the first raw value per key (index: {@link MetaKey#ordinal()}), null where none */
    private final String[] one = new String[MetaKey.COUNT];
    /** every raw value of a key that has more than one (allocated with the first such key; most members have none) */
    private List<String>[] many;
    /** pre-hashed values per key, allocated with the first one (most members have none) */
    private List<String>[] prehashed;
    /** ISO yyyy-MM-dd (or yyyyMMdd) date of birth, split into DOBY/DOBM/DOBD unless those are given. */
    public String dateOfBirth;
    public String audienceId;
    public String audienceName;
    public Action action;
    /** Limited Data Use columns, passed through when present (null when absent). */
    public String ldu;
    public String lduCountry;
    public String lduState;

    @SuppressWarnings("unchecked")
    private static List<String>[] newLists() { return (List<String>[]) new List<?>[MetaKey.COUNT]; }

    public RawMember add(MetaKey key, String raw) {
        if (raw == null) return this;
        int i = key.ordinal();
        if (one[i] == null) {
            one[i] = raw;
        } else {
            if (many == null) many = newLists();
            if (many[i] == null) {
                many[i] = new ArrayList<>(4);
                many[i].add(one[i]);
            }
            many[i].add(raw);
        }
        return this;
    }

    /** How many raw values {@code key} has. With {@link #value}, reads them without making a list. */
    public int count(MetaKey key) {
        int i = key.ordinal();
        if (many != null && many[i] != null) return many[i].size();
        return one[i] == null ? 0 : 1;
    }

    /** The {@code j}-th raw value of {@code key} (0 ≤ j < {@link #count}). */
    public String value(MetaKey key, int j) {
        int i = key.ordinal();
        if (many != null && many[i] != null) return many[i].get(j);
        if (j != 0 || one[i] == null) throw new IndexOutOfBoundsException(j);
        return one[i];
    }

    public RawMember addPrehashed(MetaKey key, String hash) {
        if (hash != null) {
            if (prehashed == null) prehashed = newLists();
            append(prehashed, key.ordinal(), hash);
        }
        return this;
    }

    /** a key's first value is held in an immutable one-element list; a second one makes it an ArrayList */
    private static void append(List<String>[] lists, int i, String v) {
        List<String> l = lists[i];
        if (l == null) {
            lists[i] = List.of(v);
        } else {
            if (!(l instanceof ArrayList)) {
                l = new ArrayList<>(l);
                lists[i] = l;
            }
            l.add(v);
        }
    }

    /** The raw values of a key in the order added (read-only), or null when it has none. */
    public List<String> values(MetaKey key) {
        int i = key.ordinal();
        if (many != null && many[i] != null) return Collections.unmodifiableList(many[i]);
        return one[i] == null ? null : List.of(one[i]);
    }

    /** The pre-hashed values of a key in the order added (read-only), or null when it has none. */
    public List<String> prehashed(MetaKey key) { return prehashed == null ? null : prehashed[key.ordinal()]; }

    public String first(MetaKey key) { return one[key.ordinal()]; }

    /** The raw values per key (a copy). */
    public Map<MetaKey, List<String>> values() {
        EnumMap<MetaKey, List<String>> m = new EnumMap<>(MetaKey.class);
        for (MetaKey k : MetaKey.SCHEMA) if (one[k.ordinal()] != null) m.put(k, values(k));
        return m;
    }
}
