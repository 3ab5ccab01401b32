package com.metaaudiencesync.send;

import java.util.Locale;

/**
 * Limited Data Use (Meta's DATA_PROCESSING_OPTIONS columns) of a source row: the options cell says whether LDU
 * applies ("LDU", ["LDU"], "ldu"; anything else or empty means no LDU), country and state are Meta's numeric codes
 * (1 = United States, 1000 = California; 0 or empty = let Meta geolocate).
 */
public final class Ldu {
    private Ldu() {}

    /** @return "country,state" when the row asks for LDU, null otherwise (null for a malformed code too: see {@link #problem}) */
    public static String of(String options, String country, String state) {
        if (options == null || !options.toUpperCase(Locale.ROOT).contains("LDU")) return null;
        Integer c = code(country), s = code(state);
        if (c == null || s == null) return null;
        return c + "," + s;
    }

    /** a reason when the row asks for LDU but a code is not a whole number, else null */
    public static String problem(String options, String country, String state) {
        if (options == null || !options.toUpperCase(Locale.ROOT).contains("LDU")) return null;
        return code(country) == null || code(state) == null ? "invalid_ldu_code" : null;
    }

    static int[] countryState(String ldu) {
        int i = ldu.indexOf(',');
        return new int[]{Integer.parseInt(ldu.substring(0, i)), Integer.parseInt(ldu.substring(i + 1))};
    }

    private static Integer code(String v) {
        if (v == null || v.isBlank()) return 0;
        try {
            int n = Integer.parseInt(v.trim());
            return n < 0 ? null : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
