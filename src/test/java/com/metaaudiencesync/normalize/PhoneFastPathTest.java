package com.metaaudiencesync.normalize;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.metaaudiencesync.model.MetaKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The phone shortcut must give exactly what libphonenumber's full parser gives. */
class PhoneFastPathTest {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private final FieldNormalizer fast = new FieldNormalizer(null, true);
    private final FieldNormalizer slow = new FieldNormalizer(null, false);
    private final FieldNormalizer fastUs = new FieldNormalizer("US", true);
    private final FieldNormalizer slowUs = new FieldNormalizer("US", false);

    private void same(String raw, String country) {
        assertEquals(slow.normalizeWithReason(MetaKey.PHONE, raw, country), fast.normalizeWithReason(MetaKey.PHONE, raw, country),
                () -> raw + " / " + country);
        assertEquals(slowUs.normalizeWithReason(MetaKey.PHONE, raw, country), fastUs.normalizeWithReason(MetaKey.PHONE, raw, country),
                () -> raw + " / " + country + " (default US)");
    }

    @Test
    void sameAsFullParserForEveryRegionsExampleNumbers() {
        int checked = 0;
        List<String> regions = new ArrayList<>(PHONES.getSupportedRegions());
        Collections.sort(regions);
        for (String region : regions) {
            String rc = region.toLowerCase(Locale.ROOT);
            for (PhoneNumberType type : PhoneNumberType.values()) {
                PhoneNumber ex = PHONES.getExampleNumberForType(region, type);
                if (ex == null) continue;
                String e164 = PHONES.format(ex, PhoneNumberFormat.E164);
                String national = PHONES.format(ex, PhoneNumberFormat.NATIONAL);
                String nsn = PHONES.getNationalSignificantNumber(ex);
                for (String country : new String[]{null, rc, "us", "gb"}) {
                    same(e164, country);
                    same(e164.substring(1), country);
                    same("00" + e164.substring(1), country);
                    same(PHONES.format(ex, PhoneNumberFormat.INTERNATIONAL), country);
                    same(national, country);
                    same(nsn, country);
                    checked += 6;
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void sameAsFullParserForRandomDigits() {
        Random rnd = new Random(42);
        String[] countries = {null, "us", "gb", "de", "fr", "in", "br", "ru", "it", "au", "ag", "ca", "mx", "jp", "cn", "ar", "ng"};
        for (int i = 0; i < 20_000; i++) {
            int len = 4 + rnd.nextInt(14);
            StringBuilder sb = new StringBuilder();
            if (rnd.nextInt(3) == 0) sb.append('+');
            for (int j = 0; j < len; j++) sb.append((char) ('0' + rnd.nextInt(10)));
            same(sb.toString(), countries[rnd.nextInt(countries.length)]);
        }
    }

    /** numbers written with the region's own calling code but no '+' ("1 212 555 0100" in the US), and the bench's formats */
    @Test
    void sameAsFullParserForNumbersWrittenWithTheirCallingCode() {
        Random rnd = new Random(7);
        String[] regions = {"us", "ca", "gb", "de", "fr", "ru", "in", "au", "br", "it", "jp", "mx", "nl", "es", "ch", "at", "ie", "nz", "za", "sg"};
        for (int i = 0; i < 40_000; i++) {
            String rc = regions[rnd.nextInt(regions.length)];
            int cc = PHONES.getCountryCodeForRegion(rc.toUpperCase(Locale.ROOT));
            StringBuilder sb = new StringBuilder();
            if (rnd.nextInt(4) != 0) sb.append(cc);
            int len = 6 + rnd.nextInt(10);
            for (int j = 0; j < len; j++) {
                sb.append((char) ('0' + rnd.nextInt(10)));
                if (rnd.nextInt(6) == 0) sb.append(rnd.nextBoolean() ? ' ' : '-');
            }
            String country = rnd.nextInt(5) == 0 ? null : rc;
            same(sb.toString(), country);
        }
    }

    @Test
    void benchFormatsTakeTheShortcut() {
        String[] us = {"(212) 555-0100", "+1 212 555 0100", "212-555-0100", "12125550100"};
        for (String raw : us) {
            assertTrue(shortcut(raw, "US"), raw);
            same(raw, "us");
        }
        assertTrue(shortcut("+44 20 7946 0123", "GB"));
        same("+44 20 7946 0123", "gb");
        // impossible lengths of a plain national number: invalid without the parser ("12", the bench's invalid phone,
        // starts with the US calling code and still goes to the parser)
        for (String raw : new String[]{"212555010", "212555010012", "(212) 555-01"}) {
            assertTrue(shortcut(raw, "US"), raw);
            same(raw, "us");
        }
        // ... but not where the international prefix starts with another digit: there the parser dials abroad
        // (Chad 16, Cuba 119, Australia 14110011, then a US number)
        for (String[] raw : new String[][]{{"1612125550100", "td"}, {"11912125550100", "cu"}, {"1411001112125550100", "au"}}) {
            same(raw[0], raw[1]);
        }
        // a national (trunk) prefix: stripped as the full parser strips it
        for (String[] raw : new String[][]{{"030 3296604", "DE"}, {"030 12345678", "DE"}, {"020 7946 0123", "GB"}, {"8 912 345 67 89", "RU"},
                {"01 23 45 67 89", "FR"}}) {
            assertTrue(shortcut(raw[0], raw[1]), raw[0]);
            same(raw[0], raw[1].toLowerCase(Locale.ROOT));
        }
        // the prefix stays when the whole number fits the region's pattern and the rest does not (Russia, Kazakhstan)
        for (String[] raw : new String[][]{{"8384097513", "ru"}, {"8384097513", "kz"}, {"89571496379823", "kz"}, {"88005553535", "ru"}}) {
            same(raw[0], raw[1]);
        }
    }

    /** numbers written with a national prefix (a leading 0, or 8 in Russia), valid or not, in the regions that have one */
    @Test
    void sameAsFullParserForNumbersWrittenWithANationalPrefix() {
        Random rnd = new Random(11);
        List<String> regions = new ArrayList<>(PHONES.getSupportedRegions());
        Collections.sort(regions);
        int shortcuts = 0;
        for (int i = 0; i < 60_000; i++) {
            String region = regions.get(rnd.nextInt(regions.size()));
            String prefix = PHONES.getNddPrefixForRegion(region, true);
            StringBuilder sb = new StringBuilder(prefix == null || rnd.nextInt(8) == 0 ? "0" : prefix);
            if (rnd.nextInt(10) == 0) sb.append('0');
            int len = 3 + rnd.nextInt(11);
            for (int j = 0; j < len; j++) sb.append((char) ('0' + rnd.nextInt(10)));
            if (shortcut(sb.toString(), region)) shortcuts++;
            same(sb.toString(), region.toLowerCase(Locale.ROOT));
        }
        // and every region's example numbers in national form, which is where a prefix is written
        for (String region : regions) {
            for (PhoneNumberType type : PhoneNumberType.values()) {
                PhoneNumber ex = PHONES.getExampleNumberForType(region, type);
                if (ex == null) continue;
                String national = PHONES.format(ex, PhoneNumberFormat.NATIONAL);
                if (shortcut(national, region)) shortcuts++;
                same(national, region.toLowerCase(Locale.ROOT));
            }
        }
        assertTrue(shortcuts > 5_000, "shortcuts taken: " + shortcuts);
    }

    private static boolean shortcut(String raw, String region) {
        char[] d = new char[raw.length()];
        int len = 0;
        boolean plus = false;
        for (char c : raw.toCharArray()) {
            if (c >= '0' && c <= '9') d[len++] = c;
            else if (c == '+' && len == 0) plus = true;
        }
        int zeros = 0;
        while (zeros < len && d[zeros] == '0') zeros++;
        return PhoneFastPath.tryNormalize(d, len, zeros, plus, region, null) != null;
    }

    /**
     * Where the international prefix does not start with 0, digits that start with it are an international number
     * for the full parser (the shortcut used to take "16 12 34 56" in Chad as a national number); every such region.
     */
    @Test
    void sameAsFullParserWhereTheInternationalPrefixDoesNotStartWithZero() {
        for (String[] raw : new String[][]{{"16123456", "td"}, {"16223344", "td"}, {"11912345", "cu"}, {"9912345678", "kp"},
                {"1022334455", "si"}, {"99123456", "fi"}, {"140212345678", "pg"}, {"1612125550100", "td"}}) {
            same(raw[0], raw[1]);
        }
        Random rnd = new Random(5);
        for (String region : new String[]{"td", "cu", "kp", "si", "fi", "ax", "pg", "pe", "is", "cn", "cl", "au", "cc", "cx"}) {
            String idd = com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider.getInstance()
                    .getPhoneNumberMetadataSource().getMetadataForRegion(region.toUpperCase(Locale.ROOT)).getInternationalPrefix();
            for (int i = 0; i < 2_000; i++) {
                // digits that begin like the prefix's first alternative's literal digits, then random
                StringBuilder sb = new StringBuilder();
                for (char c : idd.toCharArray()) { if (c >= '0' && c <= '9') sb.append(c); else break; }
                int len = 2 + rnd.nextInt(12);
                for (int j = 0; j < len; j++) sb.append((char) ('0' + rnd.nextInt(10)));
                same(sb.toString(), region);
            }
        }
    }
}
