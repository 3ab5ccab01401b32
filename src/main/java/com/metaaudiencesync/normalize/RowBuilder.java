package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.store.BatchCodec;

import java.util.ArrayList;
import java.util.Arrays;
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
        Object[] base = new Object[MetaKey.COUNT];
        Issues issues = new Issues();
        List<Object> emails = new ArrayList<>(2), phones = new ArrayList<>(2);
        String reject = core(m, base, emails, phones, issues, null);
        if (reject != null) return new RowResult(List.of(), reject, issues.map());
        int n = Math.max(1, Math.max(emails.size(), phones.size()));
        List<String[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String[] row = new String[MetaKey.COUNT];
            for (int c = 0; c < row.length; c++) {
                Object v = base[c];
                row[c] = v == null ? "" : (String) v;
            }
            if (n > 1 || !emails.isEmpty()) row[EMAIL] = i < emails.size() ? (String) emails.get(i) : "";
            if (n > 1 || !phones.isEmpty()) row[PHONE] = i < phones.size() ? (String) phones.get(i) : "";
            rows.add(row);
        }
        return new RowResult(n == 1 ? Collections.singletonList(rows.get(0)) : rows, null, issues.map());
    }

    /**
     * Same rows as {@link #build} (same rules, same order), each already in stored form ({@link BatchCodec#encodeRow}
     * gives the same bytes for {@link #build}'s rows): hashes go straight to their 32 raw bytes, no hex String is
     * made. {@code scratch} belongs to the calling thread.
     */
    public EncodedRows buildEncoded(RawMember m, Scratch scratch) {
        Object[] base = new Object[MetaKey.COUNT];
        Issues issues = new Issues();
        List<Object> emails = new ArrayList<>(2), phones = new ArrayList<>(2);
        String reject = core(m, base, emails, phones, issues, scratch);
        if (reject != null) return new EncodedRows(null, reject, issues.map());
        int n = Math.max(1, Math.max(emails.size(), phones.size()));
        byte[][] rows = new byte[n][];
        for (int i = 0; i < n; i++) {
            base[EMAIL] = i < emails.size() ? emails.get(i) : null;
            base[PHONE] = i < phones.size() ? phones.get(i) : null;
            rows[i] = BatchCodec.encodeCells(base);
        }
        return new EncodedRows(rows, null, issues.map());
    }

    /** {@link #buildEncoded}'s result: rows in stored form (null when rejected). */
    public record EncodedRows(byte[][] rows, String rejectReason, Map<String, Integer> fieldIssues) {
        public boolean rejected() { return rejectReason != null; }
    }

    /**
     * The rules: fills {@code base} (cells in schema order, null when absent), the EMAIL and PHONE values and the
     * issues; returns the reject reason or null. A hashed cell is a hex String when {@code hasher} is null, else
     * its 32-byte digest.
     */
    private String core(RawMember m, Object[] base, List<Object> emails, List<Object> phones, Issues issues, Scratch scratch) {
        Sha256.Hasher hasher = scratch == null ? null : scratch.hasher;
        // 1. COUNTRY first: PHONE and ZIP depend on it
        String country = null;
        if (scratch != null && cacheable(MetaKey.COUNTRY, m)) {
            Scratch.Entry e = scratch.get(MetaKey.COUNTRY, m.value(MetaKey.COUNTRY, 0), this);
            if (e.result.value() != null) {
                base[MetaKey.COUNTRY.ordinal()] = e.cell;
                if (!e.result.alreadyHashed()) country = e.result.value();
            } else if (e.result.reason() != null) {
                issues.add(e.result.reason());
            }
        } else {
            FieldNormalizer.Result cr = first(MetaKey.COUNTRY, m, null, issues);
            if (cr != null) {
                base[MetaKey.COUNTRY.ordinal()] = cell(MetaKey.COUNTRY, cr, hasher);
                if (!cr.alreadyHashed()) country = cr.value();
            }
        }

        // 2. single-valued keys
        for (MetaKey k : SINGLE_KEYS) {
            if (scratch != null && cacheable(k, m)) {
                Scratch.Entry e = scratch.get(k, m.value(k, 0), this);
                if (e.result.value() != null) base[k.ordinal()] = e.cell;
                else if (e.result.reason() != null) issues.add(e.result.reason());
                continue;
            }
            FieldNormalizer.Result r = first(k, m, country, issues);
            if (r != null) base[k.ordinal()] = cell(k, r, hasher);
        }

        // 3. full date of birth fills the parts that are missing
        if (FieldNormalizer.present(m.dateOfBirth)
                && (base[MetaKey.DOBY.ordinal()] == null || base[MetaKey.DOBM.ordinal()] == null || base[MetaKey.DOBD.ordinal()] == null)) {
            FieldNormalizer.DateOfBirth dob = normalizer.splitDateOfBirth(m.dateOfBirth);
            if (dob == null) {
                issues.add(FieldNormalizer.INVALID_DOB);
            } else {
                if (base[MetaKey.DOBY.ordinal()] == null) base[MetaKey.DOBY.ordinal()] = hash(dob.year(), hasher);
                if (base[MetaKey.DOBM.ordinal()] == null) base[MetaKey.DOBM.ordinal()] = hash(dob.month(), hasher);
                if (base[MetaKey.DOBD.ordinal()] == null) base[MetaKey.DOBD.ordinal()] = hash(dob.day(), hasher);
            }
        }

        // 4. multi-valued keys
        multi(MetaKey.EMAIL, m, country, issues, hasher, emails);
        multi(MetaKey.PHONE, m, country, issues, hasher, phones);

        // 5. enough to match?
        if (emails.isEmpty() && phones.isEmpty() && base[MetaKey.MADID.ordinal()] == null
                && base[MetaKey.EXTERN_ID.ordinal()] == null
                && !(has(base, MetaKey.FN) && has(base, MetaKey.LN)
                     && (has(base, MetaKey.ZIP) || (has(base, MetaKey.CT) && has(base, MetaKey.ST)) || has(base, MetaKey.DOBY)))) {
            return TOO_LITTLE_TO_MATCH;
        }
        return null;
    }

    /** keys whose normalized value depends on the raw value alone (not on the row's country or the date), and that repeat */
    private static final boolean[] CACHEABLE = new boolean[MetaKey.COUNT];
    static {
        for (MetaKey k : new MetaKey[]{MetaKey.COUNTRY, MetaKey.FN, MetaKey.LN, MetaKey.FI, MetaKey.GEN, MetaKey.CT, MetaKey.ST}) CACHEABLE[k.ordinal()] = true;
    }

    /** one plain value and no pre-hashed one: the key's cell is a function of that value (see {@link #first}) */
    private static boolean cacheable(MetaKey k, RawMember m) {
        if (!CACHEABLE[k.ordinal()]) return false;
        return m.count(k) == 1 && m.prehashed(k) == null;
    }

    /**
     * Per-thread state of {@link #buildEncoded}: the digest, and the cells of recently seen values of keys that
     * repeat from row to row (country, state, city, names, gender): a small direct-mapped cache, so a value seen
     * again costs a lookup instead of normalizing and hashing. Not thread-safe: one per thread.
     */
    public static final class Scratch {
        private static final int SIZE = 4096;
        final Sha256.Hasher hasher = new Sha256.Hasher();
        private final Entry[] entries = new Entry[SIZE];

        static final class Entry {
            final MetaKey key;
            final String raw;
            final FieldNormalizer.Result result;
            /** the cell (digest or String), null when the value is invalid or blank */
            final Object cell;

            Entry(MetaKey key, String raw, FieldNormalizer.Result result, Object cell) {
                this.key = key;
                this.raw = raw;
                this.result = result;
                this.cell = cell;
            }
        }

        Entry get(MetaKey k, String raw, RowBuilder rb) {
            int i = (raw.hashCode() * 31 + k.ordinal()) & (SIZE - 1);
            Entry e = entries[i];
            if (e != null && e.key == k && e.raw.equals(raw)) return e;
            FieldNormalizer.Result r = rb.normalizer.normalizeWithReason(k, raw, null);
            e = new Entry(k, raw, r, r.value() == null ? null : cell(k, r, hasher));
            entries[i] = e;
            return e;
        }
    }

    private static Object hash(String v, Sha256.Hasher hasher) { return hasher == null ? Sha256.hex(v) : hasher.digest(v); }

    /** wire form of a valid result: as {@link FieldNormalizer#wire}, with a 32-byte digest instead of hex when hashing into stored form */
    private static Object cell(MetaKey k, FieldNormalizer.Result r, Sha256.Hasher hasher) {
        return k.hashed() && !r.alreadyHashed() ? hash(r.value(), hasher) : r.value();
    }

    private static boolean has(Object[] base, MetaKey k) { return base[k.ordinal()] != null; }

    /** First valid value of a single-valued key (plain values first, then pre-hashed); issues counted for invalid ones. */
    private FieldNormalizer.Result first(MetaKey k, RawMember m, String country, Issues issues) {
        for (int i = 0, n = m.count(k); i < n; i++) {
            FieldNormalizer.Result r = normalizer.normalizeWithReason(k, m.value(k, i), country);
            if (r.value() != null) return r;
            if (r.reason() != null) issues.add(r.reason());
        }
        List<String> hashes = m.prehashed(k);
        if (hashes != null) {
            for (int i = 0, n = hashes.size(); i < n; i++) {
                FieldNormalizer.Result r = normalizer.prehashed(hashes.get(i));
                if (r.value() != null) return r;
                if (r.reason() != null) issues.add(r.reason());
            }
        }
        return null;
    }

    /** All valid, distinct wire values of EMAIL or PHONE, into {@code out}. */
    private void multi(MetaKey k, RawMember m, String country, Issues issues, Sha256.Hasher hasher, List<Object> out) {
        // (EMAIL and PHONE: not cached, they are mostly distinct)
        int count = m.count(k);
        List<String> hashes = m.prehashed(k);
        if (count == 0 && (hashes == null || hashes.isEmpty())) return;
        for (int i = 0; i < count; i++) {
            String raw = m.value(k, i);
            if (raw == null) continue;
            if (raw.indexOf(';') < 0 && raw.indexOf(',') < 0) {
                addWire(k, normalizer.normalizeWithReason(k, raw, country), out, issues, hasher);
            } else {
                int start = 0, len = raw.length();
                for (int j = 0; j <= len; j++) {
                    char c = j < len ? raw.charAt(j) : ';';
                    if (c == ';' || c == ',') {
                        if (j > start) addWire(k, normalizer.normalizeWithReason(k, raw.substring(start, j), country), out, issues, hasher);
                        start = j + 1;
                    }
                }
            }
        }
        if (hashes != null) {
            for (int i = 0, n = hashes.size(); i < n; i++) addWire(k, normalizer.prehashed(hashes.get(i)), out, issues, hasher);
        }
    }

    private static void addWire(MetaKey k, FieldNormalizer.Result r, List<Object> out, Issues issues, Sha256.Hasher hasher) {
        if (r.value() == null) {
            if (r.reason() != null) issues.add(r.reason());
            return;
        }
        Object w = cell(k, r, hasher);
        for (int i = 0, n = out.size(); i < n; i++) if (sameWire(out.get(i), w)) return;
        if (out.size() >= MAX_VALUES_PER_KEY) { issues.add(TOO_MANY_VALUES); return; }
        out.add(w);
    }

    /** equal wire values: Strings, digests, or a digest and its hex (a pre-hashed copy of a value hashed here) */
    private static boolean sameWire(Object a, Object b) {
        if (a instanceof String sa) return b instanceof String sb ? sa.equals(sb) : sa.equals(Sha256.hex((byte[]) b));
        byte[] da = (byte[]) a;
        return b instanceof byte[] db ? Arrays.equals(da, db) : Sha256.hex(da).equals(b);
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
