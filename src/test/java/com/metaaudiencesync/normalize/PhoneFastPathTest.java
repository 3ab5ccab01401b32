package com.metaaudiencesync.normalize;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.metaaudiencesync.model.MetaKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
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
        java.util.Collections.sort(regions);
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
}
