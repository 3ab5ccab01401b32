package com.metaaudiencesync.normalize;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.metaaudiencesync.model.MetaKey;

import java.text.Normalizer;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * Meta's customer-list normalization rules (meta-api.md §6), one field at a time. Thread-safe and immutable
 * apart from a cached "current year". Never logs values.
 *
 * <p>Rules, per key (the value is first trimmed; a blank value is "absent", not invalid):
 * <ul>
 *   <li>Any hashable key: a value of exactly 64 hex digits is taken as already hashed and passes through
 *       lowercased ({@link Result#alreadyHashed()}), never hashed again.</li>
 *   <li>EMAIL: lowercase; must look like {@code local@domain.tld} with no whitespace, else {@code invalid_email}.</li>
 *   <li>PHONE: E.164 digits without '+', via libphonenumber. '+' or '00' prefix: international. Otherwise the
 *       row's COUNTRY, else the default region, gives the country. With neither, 11+ digits (after leading
 *       zeros) are taken to include the country code; shorter is {@code phone_needs_country}. Numbers
 *       libphonenumber calls impossible (or only locally dialable) are {@code invalid_phone}.</li>
 *   <li>FN, LN: lowercase; only letters (any script, UTF-8, NFC composed, so {@code Valéry -> valéry}) and
 *       combining marks are kept: punctuation, symbols, digits <b>and inner whitespace</b> are removed
 *       ({@code Mary Ann -> maryann}, same as {@code Mary-Ann}). Nothing left: {@code invalid_name}.</li>
 *   <li>FI: the first letter of the FN-normalized value, accents folded ({@code Émile -> e}, {@code Ms. -> m}).</li>
 *   <li>GEN: m/male/man/boy -> m, f/female/woman/girl -> f, else {@code invalid_gender}.</li>
 *   <li>DOBY 4 digits 1900..current year; DOBM 1..12 or an English month name/abbreviation -> MM;
 *       DOBD 1..31 -> DD; else {@code invalid_dob}. {@link #splitDateOfBirth(String)} splits a full date.</li>
 *   <li>CT: accents folded, a-z only (no spaces, punctuation, digits), else {@code invalid_city}.</li>
 *   <li>ST: US state / DC / territory names (any case, with or without spaces) -> 2-letter code; otherwise
 *       accents folded, a-z only (so 2-letter codes stay as they are), else {@code invalid_state}.</li>
 *   <li>ZIP: lowercase, whitespace and punctuation other than '-' removed; US ZIP+4 ({@code 94035-1234}, or 9
 *       digits when the row country is US) -> first 5 digits; UK postcodes kept whole ({@code sw1a1aa}).</li>
 *   <li>COUNTRY: ISO alpha-2, alpha-3 or English name (and common aliases) -> lowercase alpha-2, else
 *       {@code invalid_country}.</li>
 *   <li>MADID: lowercase, hyphens kept, never hashed. EXTERN_ID: trimmed only, never hashed.</li>
 * </ul>
 */
public final class FieldNormalizer {

    public static final String INVALID_EMAIL = "invalid_email";
    public static final String INVALID_PHONE = "invalid_phone";
    public static final String PHONE_NEEDS_COUNTRY = "phone_needs_country";
    public static final String INVALID_NAME = "invalid_name";
    public static final String INVALID_GENDER = "invalid_gender";
    public static final String INVALID_DOB = "invalid_dob";
    public static final String INVALID_CITY = "invalid_city";
    public static final String INVALID_STATE = "invalid_state";
    public static final String INVALID_ZIP = "invalid_zip";
    public static final String INVALID_COUNTRY = "invalid_country";
    public static final String INVALID_HASH = "invalid_hash";

    /**
     * Outcome of normalizing one value.
     *
     * @param value         normalized value, or null when absent or invalid
     * @param reason        why the value was dropped (one of the constants above); null when ok or simply blank
     * @param alreadyHashed the value is a 64-hex SHA-256 that must be sent as is
     */
    public record Result(String value, String reason, boolean alreadyHashed) {
        static final Result ABSENT = new Result(null, null, false);
        static Result ok(String v) { return new Result(v, null, false); }
        static Result hashed(String v) { return new Result(v, null, true); }
        static Result invalid(String reason) { return new Result(null, reason, false); }
        public boolean ok() { return value != null; }
    }

    /** A full date of birth split into Meta's three keys, already in wire form (yyyy, MM, dd). */
    public record DateOfBirth(String year, String month, String day) {}

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private final String defaultRegion; // uppercase alpha-2 or null
    private final boolean fastPath;
    private volatile int currentYear = Year.now(ZoneOffset.UTC).getValue();

    public FieldNormalizer() { this(null); }

    /** @param defaultRegion ISO alpha-2 region for phones without country code when the row has no COUNTRY; may be null */
    public FieldNormalizer(String defaultRegion) {
        this(defaultRegion, true);
    }

    /** @param phoneFastPath false forces every phone through libphonenumber's full parser (tests compare both) */
    FieldNormalizer(String defaultRegion, boolean phoneFastPath) {
        this.fastPath = phoneFastPath;
        if (defaultRegion == null || defaultRegion.isBlank()) {
            this.defaultRegion = null;
        } else {
            String iso = Countries.iso2(defaultRegion);
            if (iso == null) throw new IllegalArgumentException("default region is not an ISO 3166-1 country");
            this.defaultRegion = iso.toUpperCase(Locale.ROOT);
        }
    }

    /** The default region as lowercase alpha-2, or null. */
    public String defaultRegion() { return defaultRegion == null ? null : defaultRegion.toLowerCase(Locale.ROOT); }

    /** Normalized value, or null when {@code raw} is blank or invalid (see {@link #normalizeWithReason}). */
    public String normalize(MetaKey key, String raw, String rowCountryIso2) {
        return normalizeWithReason(key, raw, rowCountryIso2).value();
    }

    /**
     * Normalizes one raw value for {@code key}.
     *
     * @param rowCountryIso2 the row's normalized COUNTRY (alpha-2, any case) or null; used by PHONE and ZIP
     */
    public Result normalizeWithReason(MetaKey key, String raw, String rowCountryIso2) {
        if (raw == null) return Result.ABSENT;
        String s = Text.strip(raw);
        if (s.isEmpty()) return Result.ABSENT;
        if (key.hashed() && s.length() == 64 && Sha256.isHex64(s)) return Result.hashed(Sha256.lowerHex(s));
        switch (key) {
            case EMAIL: return email(s);
            case PHONE: return phone(s, rowCountryIso2);
            case FN: case LN: {
                String v = Text.name(s);
                return v.isEmpty() ? Result.invalid(INVALID_NAME) : Result.ok(v);
            }
            case FI: return firstInitial(s);
            case GEN: return gender(s);
            case DOBY: { String v = year(s); return v == null ? Result.invalid(INVALID_DOB) : Result.ok(v); }
            case DOBM: { String v = month(s); return v == null ? Result.invalid(INVALID_DOB) : Result.ok(v); }
            case DOBD: { String v = day(s); return v == null ? Result.invalid(INVALID_DOB) : Result.ok(v); }
            case CT: {
                String v = Text.asciiLetters(s);
                return v.isEmpty() ? Result.invalid(INVALID_CITY) : Result.ok(v);
            }
            case ST: return state(s);
            case ZIP: return zip(s, rowCountryIso2);
            case COUNTRY: {
                String v = Countries.iso2(s);
                return v == null ? Result.invalid(INVALID_COUNTRY) : Result.ok(v);
            }
            case MADID: return Result.ok(Text.lowerAscii(s));
            case EXTERN_ID: return Result.ok(s);
            default: throw new IllegalArgumentException("unknown key " + key);
        }
    }

    /** The value as sent to Meta: SHA-256 hex for hashed keys, as is for MADID/EXTERN_ID and pre-hashed, "" when absent/invalid. */
    public String cell(MetaKey key, String raw, String rowCountryIso2) {
        return wire(key, normalizeWithReason(key, raw, rowCountryIso2));
    }

    /** Wire form of a {@link Result} for {@code key}. */
    public static String wire(MetaKey key, Result r) {
        if (r.value() == null) return "";
        return key.hashed() && !r.alreadyHashed() ? Sha256.hex(r.value()) : r.value();
    }

    /** A value from a column declared pre-hashed ({@code email_sha256}): must be 64 hex, sent lowercased. */
    public Result prehashed(String raw) {
        if (raw == null) return Result.ABSENT;
        String s = Text.strip(raw);
        if (s.isEmpty()) return Result.ABSENT;
        return Sha256.isHex64(s) ? Result.hashed(Sha256.lowerHex(s)) : Result.invalid(INVALID_HASH);
    }

    /**
     * Splits a full date of birth: {@code yyyy-MM-dd}, {@code yyyy/MM/dd}, {@code yyyy.MM.dd} (month and day may
     * have one digit) or {@code yyyyMMdd}, optionally followed by a time ({@code T...} or a space). The date must
     * exist in the calendar and the year be 1900..current year. Null when blank or invalid.
     */
    public DateOfBirth splitDateOfBirth(String raw) {
        if (raw == null) return null;
        String s = Text.strip(raw);
        int cut = s.indexOf('T');
        if (cut < 0) cut = s.indexOf(' ');
        if (cut > 0) s = s.substring(0, cut);
        int y, m, d;
        int n = s.length();
        if (n == 8 && Text.allDigits(s, 0, 8)) {
            y = Text.parse(s, 0, 4); m = Text.parse(s, 4, 6); d = Text.parse(s, 6, 8);
        } else {
            if (n < 8 || n > 10 || !Text.allDigits(s, 0, 4)) return null;
            char sep = s.charAt(4);
            if (sep != '-' && sep != '/' && sep != '.') return null;
            int second = s.indexOf(sep, 5);
            if (second < 0) return null;
            int ml = second - 5, dl = n - second - 1;
            if (ml < 1 || ml > 2 || dl < 1 || dl > 2) return null;
            if (!Text.allDigits(s, 5, second) || !Text.allDigits(s, second + 1, n)) return null;
            y = Text.parse(s, 0, 4); m = Text.parse(s, 5, second); d = Text.parse(s, second + 1, n);
        }
        if (!validYear(y) || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return null;
        return new DateOfBirth(Integer.toString(y), Text.pad2(m), Text.pad2(d));
    }

    /** Whether {@code raw} holds something (not null, not blank). */
    public static boolean present(String raw) { return raw != null && !raw.isBlank(); }

    // ------------------------------------------------------------------------------------------------ keys

    private static Result email(String s) {
        String v = Text.lowerAscii(s);
        int at = v.indexOf('@');
        int n = v.length();
        if (at <= 0 || at != v.lastIndexOf('@') || at >= n - 3) return Result.invalid(INVALID_EMAIL);
        int dot = v.lastIndexOf('.');
        if (dot <= at + 1 || dot == n - 1 || v.charAt(at + 1) == '.') return Result.invalid(INVALID_EMAIL);
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c > ' ' && c < 0x7f) continue; // printable ASCII: neither whitespace nor a control character
            if (c <= ' ' || Character.isWhitespace(c) || Character.isISOControl(c)) return Result.invalid(INVALID_EMAIL);
        }
        return Result.ok(v);
    }

    /** A phone number in E.164 digits: the common shapes by {@link PhoneFastPath}, the rest by libphonenumber. */
    private Result phone(String s, String rowCountryIso2) {
        char[] digits = new char[s.length()];
        int r = phoneDigits(s, digits);
        boolean plus = (r & PLUS) != 0;
        int len = r & ~PLUS;
        int zeros = 0;
        while (zeros < len && digits[zeros] == '0') zeros++;
        if (zeros == len) return Result.invalid(INVALID_PHONE);
        if (fastPath) {
            Result fast = PhoneFastPath.tryNormalize(digits, len, zeros, plus,
                    rowCountryIso2 != null ? Countries.upperIso2(rowCountryIso2) : null, defaultRegion);
            if (fast != null) return fast;
        }
        return phoneFullParse(digits, len, zeros, plus, rowCountryIso2);
    }

    private static final int PLUS = 1 << 30;

    /** the digits of a phone value into {@code digits}; returns their count, with {@link #PLUS} when it starts with '+' */
    private static int phoneDigits(String s, char[] digits) {
        int n = s.length();
        int len = 0;
        boolean plus = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits[len++] = c;
            } else if (c == '+') {
                if (len == 0) plus = true;
            } else if (len > 0 && (c == 'x' || c == 'X' || c == 'e' || c == 'E' || c == '#')) {
                break; // extension ("x123", "ext. 123", "#123"): not part of the number
            } else if (c >= 128 && Character.isDigit(c)) {
                digits[len++] = (char) ('0' + Character.digit(c, 10));
            }
            // other symbols and letters are removed
        }
        return plus ? len | PLUS : len;
    }

    private Result phoneFullParse(char[] digits, int len, int zeros, boolean plus, String rowCountryIso2) {
        String significant = new String(digits, zeros, len - zeros);
        if (plus || zeros >= 2) return international(significant);
        String region = rowCountryIso2 != null ? Countries.upperIso2(rowCountryIso2) : null;
        if (region == null) region = defaultRegion;
        if (region != null && PHONES.getCountryCodeForRegion(region) != 0) {
            try {
                PhoneNumber p = PHONES.parse(new String(digits, 0, len), region);
                return possible(p) ? Result.ok(e164Digits(p)) : Result.invalid(INVALID_PHONE);
            } catch (NumberParseException e) {
                return Result.invalid(INVALID_PHONE);
            }
        }
        if (significant.length() >= 11) return international(significant);
        return Result.invalid(PHONE_NEEDS_COUNTRY);
    }

    private static Result international(String significantDigits) {
        try {
            PhoneNumber p = PHONES.parse("+" + significantDigits, "ZZ");
            return possible(p) ? Result.ok(e164Digits(p)) : Result.invalid(INVALID_PHONE);
        } catch (NumberParseException e) {
            return Result.invalid(INVALID_PHONE);
        }
    }

    static boolean possible(PhoneNumber p) {
        return PHONES.isPossibleNumberWithReason(p) == PhoneNumberUtil.ValidationResult.IS_POSSIBLE;
    }

    private static String e164Digits(PhoneNumber p) {
        return p.getCountryCode() + PHONES.getNationalSignificantNumber(p);
    }

    private static Result firstInitial(String s) {
        String v = Text.name(s);
        if (v.isEmpty()) return Result.invalid(INVALID_NAME);
        int cp = v.codePointAt(0);
        String first = new String(Character.toChars(cp));
        String folded = Text.asciiLetters(first);
        return Result.ok(folded.isEmpty() ? first : folded.substring(0, 1));
    }

    private static Result gender(String s) {
        switch (Text.lowerAscii(s)) {
            case "m": case "male": case "man": case "boy": return Result.ok("m");
            case "f": case "female": case "woman": case "girl": return Result.ok("f");
            default: return Result.invalid(INVALID_GENDER);
        }
    }

    private String year(String s) {
        if (s.length() != 4 || !Text.allDigits(s, 0, 4)) return null;
        return validYear(Text.parse(s, 0, 4)) ? s : null;
    }

    private boolean validYear(int y) {
        if (y < 1900) return false;
        if (y <= currentYear) return true;
        currentYear = Year.now(ZoneOffset.UTC).getValue(); // the service may run across New Year
        return y <= currentYear;
    }

    private static final String[] MONTHS = {"january", "february", "march", "april", "may", "june", "july",
            "august", "september", "october", "november", "december"};

    private static String month(String s) {
        int n = s.length();
        if (n <= 2 && Text.allDigits(s, 0, n)) {
            int m = Text.parse(s, 0, n);
            return m >= 1 && m <= 12 ? Text.pad2(m) : null;
        }
        String v = Text.lowerAscii(s);
        if (v.endsWith(".")) v = v.substring(0, v.length() - 1);
        if (v.length() < 3) return null;
        if (v.equals("sept")) return "09";
        for (int i = 0; i < 12; i++) {
            if (MONTHS[i].equals(v) || (v.length() == 3 && MONTHS[i].startsWith(v))) return Text.pad2(i + 1);
        }
        return null;
    }

    private static String day(String s) {
        int n = s.length();
        if (n > 2 || !Text.allDigits(s, 0, n)) return null;
        int d = Text.parse(s, 0, n);
        return d >= 1 && d <= 31 ? Text.pad2(d) : null;
    }

    private static int daysIn(int y, int m) {
        switch (m) {
            case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4: case 6: case 9: case 11: return 30;
            default: return 31;
        }
    }

    private static Result state(String s) {
        String v = Text.asciiLetters(s);
        if (v.isEmpty()) return Result.invalid(INVALID_STATE);
        String code = UsStates.code(v);
        return Result.ok(code != null ? code : v);
    }

    private static Result zip(String s, String rowCountryIso2) {
        int n = s.length();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') sb.append(c);
            else if (c >= 'A' && c <= 'Z') sb.append((char) (c + ('a' - 'A')));
            else if (c >= 128 && Character.isLetterOrDigit(c)) sb.append(Character.toLowerCase(c));
            // whitespace and other punctuation removed
        }
        int len = sb.length();
        boolean us = rowCountryIso2 != null && rowCountryIso2.equalsIgnoreCase("us");
        boolean usOrUnknown = us || rowCountryIso2 == null;
        if (len >= 5 && Text.allDigits(sb, 0, 5)) {
            if (usOrUnknown && len == 10 && sb.charAt(5) == '-' && Text.allDigits(sb, 6, 10)) return Result.ok(sb.substring(0, 5));
            if (us && len == 9 && Text.allDigits(sb, 5, 9)) return Result.ok(sb.substring(0, 5));
        }
        // strip leading/trailing hyphens left over from punctuation
        int a = 0, b = len;
        while (a < b && sb.charAt(a) == '-') a++;
        while (b > a && sb.charAt(b - 1) == '-') b--;
        if (a == b) return Result.invalid(INVALID_ZIP);
        return Result.ok(sb.substring(a, b));
    }

    // ------------------------------------------------------------------------------------------------ text

    /** Small allocation-light text helpers. */
    static final class Text {
        private Text() {}

        /**
         * {@link String#strip()}, answered without scanning when both ends are Latin-1 characters above ' ' (none
         * of them is whitespace for {@link Character#isWhitespace}; U+00A0 is not either), the usual cell.
         */
        static String strip(String raw) {
            int n = raw.length();
            if (n > 0) {
                char a = raw.charAt(0), z = raw.charAt(n - 1);
                if (a > ' ' && a <= 0xff && z > ' ' && z <= 0xff) return raw;
            }
            return raw.strip();
        }

        static boolean allDigits(CharSequence s, int from, int to) {
            if (from >= to) return false;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') return false;
            }
            return true;
        }

        static int parse(CharSequence s, int from, int to) {
            int v = 0;
            for (int i = from; i < to; i++) v = v * 10 + (s.charAt(i) - '0');
            return v;
        }

        static String pad2(int v) { return v < 10 ? "0" + v : Integer.toString(v); }

        /** Lowercase; ASCII fast path (returns the same instance when nothing changes). */
        static String lowerAscii(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 128 || (c >= 'A' && c <= 'Z')) return s.toLowerCase(Locale.ROOT);
            }
            return s;
        }

        /**
         * FN/LN: lowercase, keep letters of any script and combining marks, drop everything else (punctuation,
         * symbols, digits, whitespace); NFC composed.
         */
        static String name(String s) {
            int n = s.length();
            StringBuilder sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 'a' && c <= 'z') sb.append(c);
                else if (c >= 'A' && c <= 'Z') sb.append((char) (c + ('a' - 'A')));
                else if (c >= 128) return nameSlow(s);
            }
            return sb.toString();
        }

        private static String nameSlow(String s) {
            String l = Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
            StringBuilder sb = new StringBuilder(l.length());
            for (int i = 0; i < l.length(); ) {
                int cp = l.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.isLetter(cp) || isMark(cp)) sb.appendCodePoint(cp);
            }
            return Normalizer.normalize(sb, Normalizer.Form.NFC);
        }

        private static boolean isMark(int cp) {
            int t = Character.getType(cp);
            return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
        }

        /** CT/ST/COUNTRY: accents folded (NFD, marks dropped), then only a-z kept, lowercase. */
        static String asciiLetters(String s) {
            int n = s.length();
            StringBuilder sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 'a' && c <= 'z') sb.append(c);
                else if (c >= 'A' && c <= 'Z') sb.append((char) (c + ('a' - 'A')));
                else if (c >= 128) return asciiLettersSlow(s);
            }
            return sb.toString();
        }

        private static String asciiLettersSlow(String s) {
            String d = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder sb = new StringBuilder(d.length());
            for (int i = 0; i < d.length(); i++) {
                char c = d.charAt(i);
                if (c >= 'a' && c <= 'z') sb.append(c);
                else if (c >= 'A' && c <= 'Z') sb.append((char) (c + ('a' - 'A')));
                else if (c >= 128) {
                    switch (c) {
                        case 'ß': sb.append("ss"); break;
                        case 'æ': case 'Æ': sb.append("ae"); break;
                        case 'œ': case 'Œ': sb.append("oe"); break;
                        case 'ø': case 'Ø': sb.append('o'); break;
                        case 'ł': case 'Ł': sb.append('l'); break;
                        case 'đ': case 'Đ': sb.append('d'); break;
                        case 'ı': sb.append('i'); break;
                        case 'þ': case 'Þ': sb.append("th"); break;
                        default: // marks, non-Latin letters, punctuation: dropped
                    }
                }
            }
            return sb.toString();
        }
    }
}
