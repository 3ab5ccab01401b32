package com.metaaudiencesync.normalize;

import java.util.HashMap;
import java.util.Map;

/** US state, DC and territory names (letters only, lowercase) -> lowercase 2-letter USPS/ANSI code. */
final class UsStates {
    private static final Map<String, String> BY_NAME = new HashMap<>(128);

    static {
        String[][] t = {
                {"al", "alabama"}, {"ak", "alaska"}, {"az", "arizona"}, {"ar", "arkansas"}, {"ca", "california"},
                {"co", "colorado"}, {"ct", "connecticut"}, {"de", "delaware"}, {"fl", "florida"}, {"ga", "georgia"},
                {"hi", "hawaii"}, {"id", "idaho"}, {"il", "illinois"}, {"in", "indiana"}, {"ia", "iowa"},
                {"ks", "kansas"}, {"ky", "kentucky"}, {"la", "louisiana"}, {"me", "maine"}, {"md", "maryland"},
                {"ma", "massachusetts"}, {"mi", "michigan"}, {"mn", "minnesota"}, {"ms", "mississippi"}, {"mo", "missouri"},
                {"mt", "montana"}, {"ne", "nebraska"}, {"nv", "nevada"}, {"nh", "newhampshire"}, {"nj", "newjersey"},
                {"nm", "newmexico"}, {"ny", "newyork"}, {"nc", "northcarolina"}, {"nd", "northdakota"}, {"oh", "ohio"},
                {"ok", "oklahoma"}, {"or", "oregon"}, {"pa", "pennsylvania"}, {"ri", "rhodeisland"}, {"sc", "southcarolina"},
                {"sd", "southdakota"}, {"tn", "tennessee"}, {"tx", "texas"}, {"ut", "utah"}, {"vt", "vermont"},
                {"va", "virginia"}, {"wa", "washington"}, {"wv", "westvirginia"}, {"wi", "wisconsin"}, {"wy", "wyoming"},
                {"dc", "districtofcolumbia", "washingtondc"},
                {"as", "americansamoa"}, {"gu", "guam"}, {"mp", "northernmarianaislands"}, {"pr", "puertorico"},
                {"vi", "virginislands", "usvirginislands", "unitedstatesvirginislands"},
                {"um", "unitedstatesminoroutlyingislands", "usminoroutlyingislands"},
        };
        for (String[] row : t) {
            for (int i = 1; i < row.length; i++) BY_NAME.put(row[i], row[0]);
        }
    }

    private UsStates() {}

    /** 2-letter code for a full name already reduced to lowercase a-z, or null. */
    static String code(String lettersOnly) { return BY_NAME.get(lettersOnly); }
}
