package com.metaaudiencesync.normalize;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;

/**
 * Country names and codes -> lowercase ISO 3166-1 alpha-2. Built once from the JDK's ISO country list:
 * alpha-2 codes, alpha-3 codes, English display names (with and without a parenthesised part), and common
 * aliases (USA, United States of America, UK, Great Britain, England, ...). Lookup key: the input with accents
 * folded and everything but a-z removed ({@code U.S.} -> {@code us}, {@code Côte d’Ivoire} -> {@code cotedivoire}).
 */
final class Countries {
    private static final Map<String, String> BY_NAME = new HashMap<>(1024);
    private static final Map<String, String> UPPER = new HashMap<>(512);

    static {
        String[] codes = Locale.getISOCountries();
        for (String cc : codes) {
            String lower = cc.toLowerCase(Locale.ROOT);
            BY_NAME.put(lower, lower);
            UPPER.put(lower, cc);
            UPPER.put(cc, cc);
        }
        for (String cc : codes) {
            String lower = cc.toLowerCase(Locale.ROOT);
            Locale l = new Locale("", cc);
            try {
                String a3 = l.getISO3Country();
                if (a3 != null && !a3.isEmpty()) BY_NAME.putIfAbsent(a3.toLowerCase(Locale.ROOT), lower);
            } catch (MissingResourceException ignored) {
                // no alpha-3 known for this code
            }
            String name = l.getDisplayCountry(Locale.ENGLISH);
            addName(name, lower);
            int paren = name.indexOf('(');
            if (paren > 0) {
                addName(name.substring(0, paren), lower);
                int close = name.indexOf(')', paren);
                if (close > paren) addName(name.substring(paren + 1, close), lower);
            }
            int dash = name.indexOf(" - ");
            if (dash > 0) addName(name.substring(0, dash), lower); // "Congo - Kinshasa" style: keep the first one only
        }
        String[][] aliases = {
                {"us", "usa", "unitedstatesofamerica", "unitedstates", "america", "usofa", "theunitedstates"},
                {"gb", "uk", "unitedkingdom", "greatbritain", "britain", "england", "scotland", "wales", "northernireland",
                        "unitedkingdomofgreatbritainandnorthernireland"},
                {"ae", "uae"}, {"kr", "southkorea", "korea", "republicofkorea"}, {"kp", "northkorea"},
                {"ru", "russia", "russianfederation"}, {"cz", "czechrepublic", "czechia"}, {"nl", "holland", "thenetherlands"},
                {"vn", "vietnam"}, {"ci", "ivorycoast"}, {"tr", "turkey", "turkiye"}, {"mk", "macedonia", "northmacedonia"},
                {"mm", "burma"}, {"sz", "swaziland", "eswatini"}, {"cv", "capeverde", "caboverde"}, {"la", "laos"},
                {"sy", "syria"}, {"ir", "iran"}, {"bo", "bolivia"}, {"ve", "venezuela"}, {"tz", "tanzania"},
                {"md", "moldova"}, {"tw", "taiwan"}, {"hk", "hongkong"}, {"mo", "macau", "macao"}, {"ps", "palestine"},
                {"va", "vatican", "vaticancity", "holysee"}, {"bn", "brunei"}, {"cd", "drc", "democraticrepublicofthecongo", "congokinshasa"},
                {"cg", "republicofthecongo", "congobrazzaville", "congo"}, {"de", "deutschland"}, {"es", "espana"},
                {"fr", "francaise"}, {"mx", "mexico"}, {"ie", "ireland", "eire"}, {"ch", "schweiz", "suisse"},
                {"at", "osterreich"}, {"it", "italia"}, {"jp", "nippon"}, {"cn", "prc", "peoplesrepublicofchina"},
                {"fm", "micronesia"}, {"kn", "saintkittsandnevis"}, {"lc", "saintlucia"}, {"vc", "saintvincentandthegrenadines"},
                {"tl", "easttimor"}, {"ps", "palestinianterritories"}, {"bs", "bahamas", "thebahamas"}, {"gm", "gambia", "thegambia"},
        };
        for (String[] a : aliases) {
            for (int i = 1; i < a.length; i++) BY_NAME.put(a[i], a[0]);
        }
    }

    private static void addName(String name, String iso2) {
        String k = FieldNormalizer.Text.asciiLetters(name);
        if (k.length() > 3) BY_NAME.putIfAbsent(k, iso2); // never shadow a 2/3-letter code
    }

    private Countries() {}

    /** Lowercase alpha-2 for a code or name, or null. */
    static String iso2(String raw) {
        if (raw == null) return null;
        String k = FieldNormalizer.Text.asciiLetters(raw);
        return k.length() < 2 ? null : BY_NAME.get(k);
    }

    /** Uppercase alpha-2 for an alpha-2 code given in any case, or null when it is not one. */
    static String upperIso2(String iso2) { return UPPER.get(iso2); }
}
