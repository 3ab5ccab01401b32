package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a source column / JSON field name to what it means (CONTRACT §3). Names match case-insensitively,
 * ignoring '_', '-' and spaces (so camelCase firstName matches first_name).
 *
 * <p>{@code <alias>_sha256} and {@code <alias>_hash} (for any identifier alias) resolve to
 * {@link Kind#PREHASHED} with that alias's key: the column holds a value that is already SHA-256 hashed.
 *
 * <p>Resolution is one canonicalisation plus one lookup in a table built once at class load.
 */
public final class ColumnAliases {
    public enum Kind { IDENTIFIER, PREHASHED, DATE_OF_BIRTH, AUDIENCE_ID, AUDIENCE_NAME, ACTION, LDU, LDU_COUNTRY, LDU_STATE, IGNORED }

    public record Column(Kind kind, MetaKey key) {
        public static final Column IGNORED_COLUMN = new Column(Kind.IGNORED, null);
    }

    /** Column names per Meta key, exactly as CONTRACT §3 lists them. */
    private static final Map<MetaKey, String[]> IDENTIFIER_ALIASES = new EnumMap<>(MetaKey.class);
    static {
        IDENTIFIER_ALIASES.put(MetaKey.EMAIL, new String[]{"email", "email_address", "emails"});
        IDENTIFIER_ALIASES.put(MetaKey.PHONE, new String[]{"phone", "phone_number", "mobile", "mobile_phone"});
        IDENTIFIER_ALIASES.put(MetaKey.FN, new String[]{"fn", "first_name", "firstname", "first", "given_name"});
        IDENTIFIER_ALIASES.put(MetaKey.LN, new String[]{"ln", "last_name", "lastname", "last", "surname", "family_name"});
        IDENTIFIER_ALIASES.put(MetaKey.FI, new String[]{"fi", "first_initial"});
        IDENTIFIER_ALIASES.put(MetaKey.GEN, new String[]{"gen", "gender"});
        IDENTIFIER_ALIASES.put(MetaKey.DOBY, new String[]{"doby", "birth_year"});
        IDENTIFIER_ALIASES.put(MetaKey.DOBM, new String[]{"dobm", "birth_month"});
        IDENTIFIER_ALIASES.put(MetaKey.DOBD, new String[]{"dobd", "birth_day"});
        IDENTIFIER_ALIASES.put(MetaKey.CT, new String[]{"ct", "city"});
        IDENTIFIER_ALIASES.put(MetaKey.ST, new String[]{"st", "state", "region"});
        IDENTIFIER_ALIASES.put(MetaKey.ZIP, new String[]{"zip", "zipcode", "zip_code", "postal_code", "postcode"});
        IDENTIFIER_ALIASES.put(MetaKey.COUNTRY, new String[]{"country", "country_code"});
        IDENTIFIER_ALIASES.put(MetaKey.MADID, new String[]{"madid", "maid", "idfa", "gaid", "aaid", "mobile_advertiser_id", "advertising_id"});
        IDENTIFIER_ALIASES.put(MetaKey.EXTERN_ID, new String[]{"extern_id", "external_id", "user_id", "userid"});
    }

    private static final String[] DATE_OF_BIRTH_ALIASES = {"dob", "birthday", "date_of_birth"};
    private static final String BIRTHDAY = "birthday";
    private static final Column BIRTH_DAY_COLUMN = new Column(Kind.IDENTIFIER, MetaKey.DOBD);

    /** canonical name -> column; immutable after class init, so safe to read from any thread. */
    private static final Map<String, Column> TABLE;
    static {
        Map<String, Column> t = new HashMap<>(256);
        for (Map.Entry<MetaKey, String[]> e : IDENTIFIER_ALIASES.entrySet()) {
            Column plain = new Column(Kind.IDENTIFIER, e.getKey());
            Column hashed = new Column(Kind.PREHASHED, e.getKey());
            for (String alias : e.getValue()) {
                String c = canonical(alias);
                put(t, c, plain);
                put(t, c + "sha256", hashed);
                put(t, c + "hash", hashed);
            }
        }
        Column dob = new Column(Kind.DATE_OF_BIRTH, null);
        // "birth_day" (DOBD) and "birthday" (full date) are the same canonical name: see resolve()
        t.remove(BIRTHDAY);
        for (String alias : DATE_OF_BIRTH_ALIASES) put(t, canonical(alias), dob);
        Column audienceId = new Column(Kind.AUDIENCE_ID, null);
        put(t, "audienceid", audienceId);
        put(t, "segmentid", audienceId);
        Column audienceName = new Column(Kind.AUDIENCE_NAME, null);
        put(t, "audience", audienceName);
        put(t, "audiencename", audienceName);
        put(t, "segmentname", audienceName);
        put(t, "action", new Column(Kind.ACTION, null));
        put(t, "dataprocessingoptions", new Column(Kind.LDU, null));
        put(t, "dataprocessingoptionscountry", new Column(Kind.LDU_COUNTRY, null));
        put(t, "dataprocessingoptionsstate", new Column(Kind.LDU_STATE, null));
        TABLE = Collections.unmodifiableMap(t);
    }

    private static void put(Map<String, Column> t, String canonical, Column c) {
        Column old = t.putIfAbsent(canonical, c);
        if (old != null && !old.equals(c)) {
            throw new IllegalStateException("column alias clash on '" + canonical + "': " + old + " vs " + c);
        }
    }

    private ColumnAliases() {}

    /** Lowercase, with '_', '-' and ' ' removed. */
    public static String canonical(String name) {
        int n = name.length();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c == '_' || c == '-' || c == ' ') continue;
            if (c >= 'A' && c <= 'Z') c = (char) (c + ('a' - 'A'));
            else if (c >= 128) c = Character.toLowerCase(c);
            sb.append(c);
        }
        return sb.toString();
    }

    /** What a column named {@code name} means; {@link Column#IGNORED_COLUMN} when it means nothing to us. */
    public static Column resolve(String name) {
        if (name == null) return Column.IGNORED_COLUMN;
        String n = name.trim();
        String canonical = canonical(n);
        Column c = TABLE.get(canonical);
        if (c == null) return Column.IGNORED_COLUMN;
        if (canonical.equals(BIRTHDAY) && isSplitBirthDay(n)) return BIRTH_DAY_COLUMN;
        return c;
    }

    /**
     * The one clash in the CONTRACT table: {@code birth_day} (DOBD) and {@code birthday} (a full date of birth)
     * are equal once '_' and case are ignored. A separator or a camelCase/PascalCase capital D ({@code birth_day},
     * {@code birth-day}, {@code birth day}, {@code birthDay}, {@code BirthDay}) means the day of month; a single
     * word in one case ({@code birthday}, {@code Birthday}, {@code BIRTHDAY}) means the full date.
     */
    private static boolean isSplitBirthDay(String n) {
        if (n.length() != BIRTHDAY.length()) return true; // had separators
        return n.charAt(5) == 'D' && Character.isLowerCase(n.charAt(4));
    }

    /** Every canonical name that resolves to something (for documentation and tests). */
    public static Map<String, Column> table() { return TABLE; }
}
