package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RawMember -> validated, normalized, hashed rows in {@link MetaKey#SCHEMA} order. Thread-safe (no mutable
 * state; one instance serves all threads). Never logs values.
 *
 * <p>Rules:
 * <ol>
 *   <li>COUNTRY is normalized first (first valid value wins) so that PHONE and ZIP can use it.</li>
 *   <li>EMAIL and PHONE may have several values: each raw value is also split on ';' and ',',
 *       values from {@code *_sha256} columns are added, duplicates (after normalization) are dropped. The
 *       member gives {@code max(1, #emails, #phones)} rows: row i carries email i and phone i ("" past the end
 *       of either list); every other key is repeated on every row.</li>
 *   <li>Every other key: the first valid value wins; a pre-hashed value is used when there is no plain one.</li>
 *   <li>A full date of birth fills DOBY/DOBM/DOBD where those are not given.</li>
 *   <li>Invalid values are dropped (cell "") and counted in {@link RowResult#fieldIssues()} by reason.</li>
 *   <li>The member is rejected with {@value #TOO_LITTLE_TO_MATCH} when, after that, it has none of EMAIL,
 *       PHONE, MADID, EXTERN_ID and not FN + LN + (ZIP or CT + ST or DOBY).</li>
 * </ol>
 */
public final class RowBuilder {
    public static final String TOO_LITTLE_TO_MATCH = "too_little_to_match";
    /** More EMAIL or PHONE values than this in one member are dropped (reason {@value #TOO_MANY_VALUES}). */
    public static final int MAX_VALUES_PER_KEY = 100;
    public static final String TOO_MANY_VALUES = "too_many_values";

    private static final int EMAIL = MetaKey.EMAIL.ordinal();
    private static final int PHONE = MetaKey.PHONE.ordinal();
    private static final MetaKey[] SINGLE_KEYS;
    static {
        List<MetaKey> l = new ArrayList<>();
        for (MetaKey k : MetaKey.SCHEMA) if (k != MetaKey.EMAIL && k != MetaKey.PHONE && k != MetaKey.COUNTRY) l.add(k);
        SINGLE_KEYS = l.toArray(new MetaKey[0]);
    }

    private final String defaultCountry;
    private final FieldNormalizer normalizer;

    /** @param defaultCountry ISO alpha-2 region for phones without a country code when a row has no COUNTRY; may be null */
    public RowBuilder(String defaultCountry) {
        this.normalizer = new FieldNormalizer(defaultCountry);
        this.defaultCountry = normalizer.defaultRegion();
    }

    public String defaultCountry() { return defaultCountry; }

    public FieldNormalizer normalizer() { return normalizer; }

    public RowResult build(RawMember m) {
        String[] base = new String[MetaKey.COUNT];
        Issues issues = new Issues();

        // 1. COUNTRY first: PHONE and ZIP depend on it
        String country = null;
        FieldNormalizer.Result cr = first(MetaKey.COUNTRY, m, null, issues);
        if (cr != null) {
            base[MetaKey.COUNTRY.ordinal()] = FieldNormalizer.wire(MetaKey.COUNTRY, cr);
            if (!cr.alreadyHashed()) country = cr.value();
        }

        // 2. single-valued keys
        for (MetaKey k : SINGLE_KEYS) {
            FieldNormalizer.Result r = first(k, m, country, issues);
            if (r != null) base[k.ordinal()] = FieldNormalizer.wire(k, r);
        }

        // 3. full date of birth fills the parts that are missing
        if (FieldNormalizer.present(m.dateOfBirth)
                && (base[MetaKey.DOBY.ordinal()] == null || base[MetaKey.DOBM.ordinal()] == null || base[MetaKey.DOBD.ordinal()] == null)) {
            FieldNormalizer.DateOfBirth dob = normalizer.splitDateOfBirth(m.dateOfBirth);
            if (dob == null) {
                issues.add(FieldNormalizer.INVALID_DOB);
            } else {
                if (base[MetaKey.DOBY.ordinal()] == null) base[MetaKey.DOBY.ordinal()] = Sha256.hex(dob.year());
                if (base[MetaKey.DOBM.ordinal()] == null) base[MetaKey.DOBM.ordinal()] = Sha256.hex(dob.month());
                if (base[MetaKey.DOBD.ordinal()] == null) base[MetaKey.DOBD.ordinal()] = Sha256.hex(dob.day());
            }
        }

        // 4. multi-valued keys
        List<String> emails = multi(MetaKey.EMAIL, m, country, issues);
        List<String> phones = multi(MetaKey.PHONE, m, country, issues);

        // 5. enough to match?
        if (emails.isEmpty() && phones.isEmpty() && base[MetaKey.MADID.ordinal()] == null
                && base[MetaKey.EXTERN_ID.ordinal()] == null
                && !(has(base, MetaKey.FN) && has(base, MetaKey.LN)
                     && (has(base, MetaKey.ZIP) || (has(base, MetaKey.CT) && has(base, MetaKey.ST)) || has(base, MetaKey.DOBY)))) {
            return new RowResult(List.of(), TOO_LITTLE_TO_MATCH, issues.map());
        }

        for (int i = 0; i < base.length; i++) if (base[i] == null) base[i] = "";
        int n = Math.max(1, Math.max(emails.size(), phones.size()));
        if (n == 1) {
            if (!emails.isEmpty()) base[EMAIL] = emails.get(0);
            if (!phones.isEmpty()) base[PHONE] = phones.get(0);
            return new RowResult(Collections.singletonList(base), null, issues.map());
        }
        List<String[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String[] row = i == n - 1 ? base : base.clone();
            row[EMAIL] = i < emails.size() ? emails.get(i) : "";
            row[PHONE] = i < phones.size() ? phones.get(i) : "";
            rows.add(row);
        }
        return new RowResult(rows, null, issues.map());
    }

    private static boolean has(String[] base, MetaKey k) { return base[k.ordinal()] != null; }

    /** First valid value of a single-valued key (plain values first, then pre-hashed); issues counted for invalid ones. */
    private FieldNormalizer.Result first(MetaKey k, RawMember m, String country, Issues issues) {
        List<String> raws = m.values.get(k);
        if (raws != null) {
            for (int i = 0, n = raws.size(); i < n; i++) {
                FieldNormalizer.Result r = normalizer.normalizeWithReason(k, raws.get(i), country);
                if (r.value() != null) return r;
                if (r.reason() != null) issues.add(r.reason());
            }
        }
        List<String> hashes = m.prehashed.get(k);
        if (hashes != null) {
            for (int i = 0, n = hashes.size(); i < n; i++) {
                FieldNormalizer.Result r = normalizer.prehashed(hashes.get(i));
                if (r.value() != null) return r;
                if (r.reason() != null) issues.add(r.reason());
            }
        }
        return null;
    }

    /** All valid, distinct wire values of EMAIL or PHONE. */
    private List<String> multi(MetaKey k, RawMember m, String country, Issues issues) {
        List<String> raws = m.values.get(k);
        List<String> hashes = m.prehashed.get(k);
        if ((raws == null || raws.isEmpty()) && (hashes == null || hashes.isEmpty())) return List.of();
        List<String> out = new ArrayList<>(2);
        if (raws != null) {
            for (int i = 0, n = raws.size(); i < n; i++) {
                String raw = raws.get(i);
                if (raw == null) continue;
                if (raw.indexOf(';') < 0 && raw.indexOf(',') < 0) {
                    addWire(k, normalizer.normalizeWithReason(k, raw, country), out, issues);
                } else {
                    int start = 0, len = raw.length();
                    for (int j = 0; j <= len; j++) {
                        char c = j < len ? raw.charAt(j) : ';';
                        if (c == ';' || c == ',') {
                            if (j > start) addWire(k, normalizer.normalizeWithReason(k, raw.substring(start, j), country), out, issues);
                            start = j + 1;
                        }
                    }
                }
            }
        }
        if (hashes != null) {
            for (int i = 0, n = hashes.size(); i < n; i++) addWire(k, normalizer.prehashed(hashes.get(i)), out, issues);
        }
        return out;
    }

    private static void addWire(MetaKey k, FieldNormalizer.Result r, List<String> out, Issues issues) {
        if (r.value() == null) {
            if (r.reason() != null) issues.add(r.reason());
            return;
        }
        String w = FieldNormalizer.wire(k, r);
        for (int i = 0, n = out.size(); i < n; i++) if (out.get(i).equals(w)) return;
        if (out.size() >= MAX_VALUES_PER_KEY) { issues.add(TOO_MANY_VALUES); return; }
        out.add(w);
    }

    /** reason -> count, allocated only when there is an issue. */
    private static final class Issues {
        private Map<String, Integer> map;

        void add(String reason) {
            if (map == null) map = new HashMap<>(4);
            map.merge(reason, 1, Integer::sum);
        }

        Map<String, Integer> map() { return map == null ? Map.of() : Collections.unmodifiableMap(map); }
    }
}
