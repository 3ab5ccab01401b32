package com.metaaudiencesync.normalize;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;

import java.nio.CharBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A shortcut around {@link PhoneNumberUtil#parse} (which runs many regular expressions) for the common case:
 * digits whose country code and national number can be split without libphonenumber's harder rewriting
 * (transform rules, carrier codes, country code found inside a national number, Italian leading zero); a
 * region's literal national prefix is stripped as the parser strips it. The answer is a number libphonenumber
 * calls possible, or "invalid" for a plain national number of an impossible length; anything else returns null
 * and goes through the full parser, so the answer is always the full parser's answer. PhoneFastPathTest compares
 * both paths over every region's example numbers and random digits.
 */
final class PhoneFastPath {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    /**
     * How the full parser would treat a national number of one region: its calling code and the literal
     * national prefixes it strips. Only regions whose prefix-for-parsing is a plain list of digit strings and
     * that have no transform rule get one.
     */
    private record Rule(int cc, String ccDigits, String[] prefixes, int maxLength, List<Integer> localLengths, boolean iddFromZero,
                        Pattern general, Pattern idd) {
        /** the first of the national prefixes the number starts with (the parser's alternation picks the first), or null */
        String prefix(char[] digits, int len) {
            for (String p : prefixes) if (startsWith(digits, 0, len, p)) return p;
            return null;
        }

        /**
         * The full parser's test on a national number that starts with the region's own calling code: written
         * with it ({@code 1 212 555 0100} in the US) when the digits are too long for a national number
         * (testNumberLength(...) == TOO_LONG) and the international prefix cannot match (it starts with 0).
         */
        boolean ccWritten(int len) {
            return iddFromZero && maxLength > 0 && len > maxLength && !localLengths.contains(len);
        }

        boolean blocks(char[] digits, int start, int len) {
            if (digits[start] == '0') return true; // trunk prefix or Italian leading zero: full parser
            for (String p : prefixes) if (startsWith(digits, start, len, p)) return true;
            return false;
        }
    }

    private static final boolean[] VALID_CC = new boolean[1000];
    /** rule of the main region of a calling code (what the parser uses after a '+cc'), or null */
    private static final Rule[] BY_CC = new Rule[1000];
    private static final Map<String, Rule> BY_REGION = new HashMap<>(512);
    private static final int MAX_NATIONAL = 17;
    /** [calling code][national number length]: what {@link FieldNormalizer#possible} says (no leading zero) */
    private static final boolean[][] POSSIBLE = new boolean[1000][];

    static {
        for (int cc : PHONES.getSupportedCallingCodes()) {
            if (cc > 0 && cc < 1000) VALID_CC[cc] = true;
        }
        for (String region : PHONES.getSupportedRegions()) {
            Rule r = rule(region);
            if (r != null) BY_REGION.put(region, r);
        }
        for (int cc = 1; cc < 1000; cc++) {
            if (VALID_CC[cc]) BY_CC[cc] = BY_REGION.get(PHONES.getRegionCodeForCountryCode(cc));
        }
        // libphonenumber's "possible" test for a number without leading zeros depends only on its calling code
        // and the length of its national number: ask it once per (code, length) instead of once per number
        for (int cc = 1; cc < 1000; cc++) {
            if (!VALID_CC[cc]) continue;
            POSSIBLE[cc] = new boolean[MAX_NATIONAL + 1];
            long national = 1;
            for (int len = 1; len <= MAX_NATIONAL; len++, national *= 10) {
                POSSIBLE[cc][len] = FieldNormalizer.possible(new PhoneNumber().setCountryCode(cc).setNationalNumber(national));
            }
        }
    }

    private static Rule rule(String region) {
        PhoneMetadata md;
        try {
            md = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource().getMetadataForRegion(region);
        } catch (RuntimeException e) {
            return null;
        }
        if (md == null || !md.getNationalPrefixTransformRule().isEmpty()) return null;
        String npp = md.getNationalPrefixForParsing();
        if (npp.isEmpty()) npp = md.getNationalPrefix();
        String[] prefixes = npp.isEmpty() ? new String[0] : npp.split("\\|");
        for (String p : prefixes) {
            if (p.isEmpty()) return null;
            for (int i = 0; i < p.length(); i++) if (p.charAt(i) < '0' || p.charAt(i) > '9') return null; // a regex
        }
        int cc = md.getCountryCode();
        List<Integer> lengths = md.getGeneralDesc().getPossibleLengthList();
        int max = lengths.isEmpty() || lengths.get(0) == -1 ? -1 : lengths.get(lengths.size() - 1);
        String idd = md.getInternationalPrefix();
        boolean iddFromZero = !idd.isEmpty() && idd.charAt(0) == '0' && !topLevelAlternation(idd);
        Pattern general = Pattern.compile(md.getGeneralDesc().getNationalNumberPattern());
        Pattern iddPattern = idd.isEmpty() ? null : Pattern.compile(idd);
        return new Rule(cc, Integer.toString(cc), prefixes, max, List.copyOf(md.getGeneralDesc().getPossibleLengthLocalOnlyList()), iddFromZero,
                general, iddPattern);
    }

    /** a '|' outside parentheses: the pattern has alternatives that need not start with its first character */
    private static boolean topLevelAlternation(String regex) {
        int depth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == '|' && depth == 0) return true;
        }
        return false;
    }

    private PhoneFastPath() {}

    /**
     * @param digits  the number's digits ({@code len} of them, {@code zeros} leading zeros)
     * @param plus    written with a leading '+'
     * @return the normalized result, or null when the full parser must decide
     */
    static FieldNormalizer.Result tryNormalize(char[] digits, int len, int zeros, boolean plus, String rowRegion, String defaultRegion) {
        if (plus || zeros >= 2) return international(digits, zeros, len);
        String region = rowRegion != null ? rowRegion : defaultRegion;
        if (region == null) return len - zeros >= 11 ? international(digits, zeros, len) : null;
        Rule r = BY_REGION.get(region);
        if (r == null) return null;
        if (zeros > 0) return nationalPrefix(r, digits, len); // trunk prefix ("030 ..." in Germany)
        // the full parser looks for the region's calling code before it strips a national prefix
        if (startsWith(digits, 0, len, r.ccDigits())) return r.ccWritten(len) ? international(digits, 0, len) : null;
        if (r.blocks(digits, 0, len)) return nationalPrefix(r, digits, len);
        // where the international prefix does not start with 0 (Chad 16, Cuba 119, Finland 99, ...), digits that
        // start with it are dialled abroad by the full parser
        if (!r.iddFromZero() && r.idd() != null && r.idd().matcher(CharBuffer.wrap(digits, 0, len)).lookingAt()) return null;
        FieldNormalizer.Result ok = possibleOrNull(r.cc(), digits, 0, len);
        // not possible: the full parser keeps these digits as the national number too (no prefix to strip, no
        // international prefix), so its answer is "invalid" as well
        if (ok == null) return FieldNormalizer.Result.invalid(FieldNormalizer.INVALID_PHONE);
        return ok;
    }

    /**
     * A national number that starts with a national prefix of its region, as libphonenumber parses it (parseHelper:
     * maybeExtractCountryCode, then maybeStripNationalPrefixAndCarrierCode, then testNumberLength): not an
     * international prefix; the prefix is stripped unless the number fits the region's general pattern and the rest
     * does not; the rest is kept when its length is possible. Only the answer "possible" is given here, for the main
     * region of its calling code (whose lengths {@link #POSSIBLE} holds) and a rest without a leading zero (no Italian
     * leading zero); anything else (a leading zero that is not a prefix, for one) goes to the full parser.
     */
    private static FieldNormalizer.Result nationalPrefix(Rule r, char[] digits, int len) {
        if (BY_CC[r.cc()] != r) return null;
        String p = r.prefix(digits, len);
        if (p == null) return null;
        int start = p.length(), n = len - start;
        if (n < 2 || n > MAX_NATIONAL || digits[start] == '0') return null;
        boolean[] possible = POSSIBLE[r.cc()];
        if (possible == null || !possible[n]) return null;
        CharBuffer whole = CharBuffer.wrap(digits, 0, len);
        if (r.idd() != null && r.idd().matcher(whole).lookingAt()) return null; // maybe an international prefix
        if (r.general().matcher(whole).matches() && !r.general().matcher(CharBuffer.wrap(digits, start, n)).matches()) return null;
        StringBuilder sb = new StringBuilder(3 + n);
        sb.append(r.cc()).append(digits, start, n);
        return new FieldNormalizer.Result(sb.toString(), null, false);
    }

    private static FieldNormalizer.Result international(char[] digits, int from, int len) {
        int cc = 0;
        for (int l = 1; l <= 3 && from + l < len; l++) {
            int candidate = cc * 10 + (digits[from + l - 1] - '0');
            cc = candidate;
            if (VALID_CC[cc]) {
                Rule r = BY_CC[cc];
                int start = from + l;
                if (r == null || r.blocks(digits, start, len)) return null;
                return possibleOrNull(cc, digits, start, len);
            }
        }
        return null;
    }

    private static FieldNormalizer.Result possibleOrNull(int cc, char[] digits, int start, int len) {
        int n = len - start;
        if (n < 2 || n > MAX_NATIONAL) return null;
        // digits[start] != '0' here (Rule.blocks), so the national number has n digits
        boolean[] possible = POSSIBLE[cc];
        if (possible == null || !possible[n]) return null;
        StringBuilder sb = new StringBuilder(3 + n);
        sb.append(cc).append(digits, start, n);
        return new FieldNormalizer.Result(sb.toString(), null, false);
    }

    private static boolean startsWith(char[] digits, int start, int len, String p) {
        if (len - start < p.length()) return false;
        for (int i = 0; i < p.length(); i++) if (digits[start + i] != p.charAt(i)) return false;
        return true;
    }
}
