package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Year;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import static com.metaaudiencesync.model.MetaKey.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FieldNormalizerTest {
    private final FieldNormalizer n = new FieldNormalizer();
    private final FieldNormalizer us = new FieldNormalizer("US");

    private String norm(MetaKey k, String raw) { return n.normalize(k, raw, null); }
    private String reason(MetaKey k, String raw) { return n.normalizeWithReason(k, raw, null).reason(); }

    // ---------------------------------------------------------------- Meta's own example vectors (meta-api.md §6)

    @Test
    void metaExampleVectors() {
        assertEquals("f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", n.cell(EMAIL, "mary@example.com", null));
        assertEquals("16505551212", n.normalize(PHONE, "(650)555-1212", "us"));
        assertEquals("16505551212", us.normalize(PHONE, "(650)555-1212", null));
        assertTrue(n.cell(PHONE, "(650)555-1212", "us").startsWith("e323ec62"));
        assertEquals("valéry", norm(FN, "Valéry"));
        assertTrue(n.cell(FN, "Valéry", null).startsWith("08e1996b"));
        assertEquals("us", norm(COUNTRY, "United States"));
        assertTrue(n.cell(COUNTRY, "United States", null).startsWith("79adb2a2"));
        assertEquals("1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e", n.cell(PHONE, "15559876543", null));
        assertEquals("john_smith@gmail.com", norm(EMAIL, "John_Smith@gmail.com"));
        assertTrue(n.cell(EMAIL, "John_Smith@gmail.com", null).startsWith("62a14e44"));
        assertTrue(n.cell(FN, "Mary", null).startsWith("6915771b"));
    }

    // ---------------------------------------------------------------- blank, already hashed

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t \n"})
    void blankIsAbsentNotInvalid(String raw) {
        for (MetaKey k : MetaKey.SCHEMA) {
            FieldNormalizer.Result r = n.normalizeWithReason(k, raw, null);
            assertNull(r.value(), k.name());
            assertNull(r.reason(), k.name());
            assertEquals("", n.cell(k, raw, null));
        }
        assertNull(n.normalize(EMAIL, null, null));
    }

    @Test
    void sixtyFourHexInHashableColumnPassesThroughLowercased() {
        String upper = "F1904CF1A9D73A55FA5DE0AC823C4403DED71AFD4C3248D00BDCD0866552BB79";
        for (MetaKey k : MetaKey.SCHEMA) {
            if (!k.hashed()) continue;
            FieldNormalizer.Result r = n.normalizeWithReason(k, " " + upper + " ", null);
            assertTrue(r.alreadyHashed(), k.name());
            assertEquals(upper.toLowerCase(), n.cell(k, upper, null), k.name());
        }
        // 63 or 65 hex digits are not a hash
        assertEquals(FieldNormalizer.INVALID_EMAIL, reason(EMAIL, upper.substring(1)));
    }

    @Test
    void prehashedColumnMustBe64Hex() {
        assertEquals("ab".repeat(32), n.prehashed(" " + "AB".repeat(32)).value());
        assertTrue(n.prehashed("AB".repeat(32)).alreadyHashed());
        assertEquals(FieldNormalizer.INVALID_HASH, n.prehashed("mary@example.com").reason());
        assertEquals(FieldNormalizer.INVALID_HASH, n.prehashed("g".repeat(64)).reason());
        assertNull(n.prehashed("").reason());
    }

    @Test
    void madidAndExternIdAreNeverHashed() {
        assertEquals("ab12cd-e345-fg67", n.cell(MADID, " AB12CD-E345-FG67 ", null));
        assertEquals("Cust-001", n.cell(EXTERN_ID, "  Cust-001 ", null));
        String hex = "AB".repeat(32);
        assertEquals(hex, n.cell(EXTERN_ID, hex, null)); // trimmed only, case kept
        assertEquals(hex.toLowerCase(), n.cell(MADID, hex, null));
    }

    @Test
    void hashIsLowercaseSha256OfUtf8() {
        assertEquals("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Sha256.hex("test"));
        assertEquals("08e1996b", Sha256.hex("valéry").substring(0, 8));
        assertTrue(Sha256.isHex64(Sha256.hex("x")));
    }

    // ---------------------------------------------------------------- EMAIL

    @ParameterizedTest
    @CsvSource({"'  Test@Example.COM  ',test@example.com", "a@b.c,a@b.c", "first.last+tag@sub.example.co.uk,first.last+tag@sub.example.co.uk"})
    void emailTrimmedLowercased(String raw, String expected) {
        assertEquals(expected, norm(EMAIL, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"test", "a@b", "@b.c", ".c", "@", "a@@b.c", "a@b@c.d", "a b@c.d", "a@.bc", "a@bc.", "mary(at)example.com"})
    void invalidEmail(String raw) {
        assertNull(norm(EMAIL, raw));
        assertEquals(FieldNormalizer.INVALID_EMAIL, reason(EMAIL, raw));
    }

    // ---------------------------------------------------------------- PHONE

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
            "'+44 (0)20 7946 0958',, 442079460958",    // trunk (0) removed by libphonenumber
            "'+44 20 7946 0958',, 442079460958",
            "'0044 20 7946 0958',, 442079460958",
            "'00919876543210',, 919876543210",
            "'+001 (616) 954-78 88',, 16169547888",
            "'+1 (650) 555-1212',, 16505551212",
            "'(650)555-1212', us, 16505551212",
            "'650.555.1212', US, 16505551212",
            "'1 650 555 1212', us, 16505551212",
            "'020 7946 0958', gb, 442079460958",
            "'442079460958', gb, 442079460958",
            "'06 12 34 56 78', fr, 33612345678",
            "'15559876543',, 15559876543",         // 11+ digits, no country: already has the country code
            "'01(650)123-4567',, 16501234567",
            "'+1 650 555 1212 ext. 123',, 16505551212",
            "'tel: +49 30 123456',, 4930123456",
    })
    void phoneE164Digits(String raw, String country, String expected) {
        assertEquals(expected, n.normalize(PHONE, raw, country));
    }

    @Test
    void phoneUsesRowCountryBeforeDefaultRegion() {
        assertEquals("16505551212", us.normalize(PHONE, "650 555 1212", null));
        assertEquals("442079460958", us.normalize(PHONE, "020 7946 0958", "gb"));
        assertEquals("us", us.defaultRegion());
        assertThrows(IllegalArgumentException.class, () -> new FieldNormalizer("Atlantis"));
        assertEquals("gb", new FieldNormalizer("United Kingdom").defaultRegion());
    }

    @ParameterizedTest
    @ValueSource(strings = {"555-555-5555", "650 555 1212", "0612345678", "@09432457768"})
    void phoneWithoutCountryNeedsOne(String raw) {
        assertEquals(FieldNormalizer.PHONE_NEEDS_COUNTRY, reason(PHONE, raw));
    }

    @ParameterizedTest
    @CsvSource({"'+0000000000',", "'000000',", "'+1 555',", "'555 1212', us", "'+44 1234',", "'123456789012345678',", "'abc',"})
    void impossiblePhone(String raw, String country) {
        FieldNormalizer.Result r = n.normalizeWithReason(PHONE, raw, country);
        assertNull(r.value());
        assertEquals(FieldNormalizer.INVALID_PHONE, r.reason());
    }

    // ---------------------------------------------------------------- FN, LN, FI

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "Mary, mary", "'  TEST ', test", "Valéry, valéry", "'Vale\u0301ry', valéry", "정, 정",
            "O'Brien, obrien", "O\u2019Brien, obrien", "Mary-Jane, maryjane", "Anne-Marie, annemarie",
            "'    Na''than-Boile    ', nathanboile", "'..test..', test", "José☺, josé", "Ålesund, ålesund",
            // decision: inner whitespace is removed (peers differ: RudderStack keeps it). "Mary Ann" and
            // "Mary-Ann" then hash alike, and Meta's rule is "a-z ... no punctuation", no spaces listed.
            "'Mary Ann', maryann", "'John Smith1', johnsmith", "'van der Berg', vanderberg",
    })
    void names(String raw, String expected) {
        assertEquals(expected, norm(FN, raw));
        assertEquals(expected, norm(LN, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1234", "...", "-", "☺"})
    void nameWithoutLettersIsInvalid(String raw) {
        assertEquals(FieldNormalizer.INVALID_NAME, reason(FN, raw));
        assertEquals(FieldNormalizer.INVALID_NAME, reason(LN, raw));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"J, j", "ABC, a", "Ms., m", "' a ', a", "Émile, e", "'.john', j", "정, 정"})
    void firstInitial(String raw, String expected) {
        assertEquals(expected, norm(FI, raw));
    }

    // ---------------------------------------------------------------- GEN

    @ParameterizedTest
    @CsvSource({"m,m", "M,m", "male,m", "Male,m", "MAN,m", "Boy,m", "f,f", "F,f", "female,f", "Woman,f", "'  Girl  ',f"})
    void gender(String raw, String expected) {
        assertEquals(expected, norm(GEN, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown", "u", "x", "other", "0", "1", "mf"})
    void invalidGender(String raw) {
        assertEquals(FieldNormalizer.INVALID_GENDER, reason(GEN, raw));
    }

    // ---------------------------------------------------------------- DOBY, DOBM, DOBD, date of birth

    @Test
    void birthYear() {
        int now = Year.now(ZoneOffset.UTC).getValue();
        assertEquals("1900", norm(DOBY, "1900"));
        assertEquals("1980", norm(DOBY, " 1980 "));
        assertEquals(Integer.toString(now), norm(DOBY, Integer.toString(now)));
        for (String bad : new String[]{"1899", Integer.toString(now + 1), "0000", "9999", "80", "19999", "-1", "198O"}) {
            assertEquals(FieldNormalizer.INVALID_DOB, reason(DOBY, bad), bad);
        }
    }

    @ParameterizedTest
    @CsvSource({"1,01", "9,09", "02,02", "12,12", "' 12 ',12", "january,01", "January,01", "MARCH,03", "Sep,09",
            "sept,09", "Dec.,12", "may,05", "october,10"})
    void birthMonth(String raw, String expected) {
        assertEquals(expected, norm(DOBM, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "13", "444", "0a", "-1", "notamonth", "ja", "001"})
    void invalidBirthMonth(String raw) {
        assertEquals(FieldNormalizer.INVALID_DOB, reason(DOBM, raw));
    }

    @ParameterizedTest
    @CsvSource({"1,01", "8,08", "02,02", "31,31", "' 05 ',05"})
    void birthDay(String raw, String expected) {
        assertEquals(expected, norm(DOBD, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "32", "444", "0a", "-1", "001"})
    void invalidBirthDay(String raw) {
        assertEquals(FieldNormalizer.INVALID_DOB, reason(DOBD, raw));
    }

    @ParameterizedTest
    @CsvSource({"1997-02-16,1997,02,16", "19970216,1997,02,16", "1997/2/6,1997,02,06", "1997.12.31,1997,12,31",
            "2000-02-29,2000,02,29", "'1990-05-17T00:00:00Z',1990,05,17", "' 1990-05-17 ',1990,05,17"})
    void dateOfBirthSplit(String raw, String y, String m, String d) {
        assertEquals(new FieldNormalizer.DateOfBirth(y, m, d), n.splitDateOfBirth(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1997-02-30", "1900-02-29", "2001-02-29", "1997-13-01", "1899-12-31", "2/16/1997", "16.02.1997",
            "1997-2", "19970230", "abcd-ef-gh", "3000-01-01", ""})
    void invalidDateOfBirth(String raw) {
        assertNull(n.splitDateOfBirth(raw));
    }

    // ---------------------------------------------------------------- CT, ST

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"'New York', newyork", "'  London  ', london", "los_angeles, losangeles", "'    Menlo-Park  ', menlopark",
            "Zürich, zurich", "São Paulo, saopaulo", "'St. Louis', stlouis", "Düsseldorf 2, dusseldorf", "Straße, strasse"})
    void city(String raw, String expected) {
        assertEquals(expected, norm(CT, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"東京", "123", "--"})
    void invalidCity(String raw) {
        assertEquals(FieldNormalizer.INVALID_CITY, reason(CT, raw));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"california, ca", "California, ca", "TEXAS, tx", "'New York', ny", "newyork, ny", "NorthCarolina, nc",
            "'    California.   ', ca", "'    C/a/lifo,rnia.  ', ca", "'District of Columbia', dc", "'Puerto Rico', pr",
            "Guam, gu", "'U.S. Virgin Islands', vi", "'West Virginia', wv", "Washington, wa",
            "CA, ca", "'  TE', te", "Bavaria, bavaria", "'British Columbia', britishcolumbia", "Île-de-France, iledefrance",
            "'123abc ', abc"})
    void state(String raw, String expected) {
        assertEquals(expected, norm(ST, raw));
    }

    @Test
    void allFiftyStatesPlusDcMap() {
        String[] names = {"Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
                "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana",
                "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana",
                "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina",
                "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina",
                "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
                "Wisconsin", "Wyoming", "District of Columbia"};
        Set<String> codes = new HashSet<>();
        for (String s : names) {
            String c = norm(ST, s);
            assertEquals(2, c.length(), s);
            codes.add(c);
        }
        assertEquals(51, codes.size());
    }

    @Test
    void invalidState() {
        assertEquals(FieldNormalizer.INVALID_STATE, reason(ST, "123"));
    }

    // ---------------------------------------------------------------- ZIP

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
            "94035-1234,, 94035", "94035-1234, us, 94035", "940351234, us, 94035", "' 90210 ',, 90210",
            "'SW1A 1AA',, sw1a1aa", "'SW1A 1AA', gb, sw1a1aa", "'  K1A 0A6  ', ca, k1a0a6", "'M1 1AE',, m11ae",
            "75018, fr, 75018", "'ZIP ',, zip",
            "940351234,, 940351234",            // 9 digits without a US row: not cut (could be another country's code)
            "94035-1234, br, 94035-1234",       // a non-US row keeps its hyphenated code
            "00-950, pl, 00-950", "'100-0001', jp, 100-0001",
    })
    void zip(String raw, String country, String expected) {
        assertEquals(expected, n.normalize(ZIP, raw, country));
    }

    @Test
    void invalidZip() {
        assertEquals(FieldNormalizer.INVALID_ZIP, reason(ZIP, "--"));
    }

    // ---------------------------------------------------------------- COUNTRY

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"US, us", "'  us  ', us", "U.S., us", "USA, us", "'United States', us", "'United States of America', us",
            "UK, gb", "GB, gb", "'Great Britain', gb", "England, gb", "'United Kingdom', gb", "GBR, gb", "DEU, de",
            "Germany, de", "France, fr", "'Côte d’Ivoire', ci", "'South Korea', kr", "Türkiye, tr", "in, in", "IND, in",
            "Japan, jp", "Brazil, br", "'Hong Kong', hk", "Netherlands, nl", "Holland, nl"})
    void country(String raw, String expected) {
        assertEquals(expected, norm(COUNTRY, raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"U", "U1", "12", "un", "xx", "Atlantis", "zzz"})
    void invalidCountry(String raw) {
        assertEquals(FieldNormalizer.INVALID_COUNTRY, reason(COUNTRY, raw));
    }

    @Test
    void everyIsoCodeAndEnglishNameResolves() {
        for (String cc : Locale.getISOCountries()) {
            String lower = cc.toLowerCase();
            assertEquals(lower, norm(COUNTRY, cc), cc);
            String name = new Locale("", cc).getDisplayCountry(Locale.ENGLISH);
            String got = norm(COUNTRY, name);
            // a handful of English names are ambiguous after letter folding (e.g. "Congo"); they still resolve
            assertTrue(got != null && got.length() == 2, name);
        }
    }

    /** the trimming shortcut gives String.strip()'s answer for every char at either end (and the same instance when nothing is cut) */
    @Test
    void stripShortcutIsStringStripForEveryCharacterAtEitherEnd() {
        int shortcuts = 0;
        for (int c = 0; c <= 0xFFFF; c++) {
            String ch = String.valueOf((char) c);
            for (String v : new String[]{ch, ch + "ab", "ab" + ch, ch + "a" + ch, ch + "\u00e9\u4e2d" + ch, "x" + ch + "y"}) {
                String got = FieldNormalizer.Text.strip(v);
                assertEquals(v.strip(), got, () -> "U+" + Integer.toHexString(ch.charAt(0)) + " in " + v.length() + " chars");
                if (got == v) shortcuts++;
            }
        }
        for (String v : new String[]{"", " ", "\t a \n", "\u2003a\u3000", "\uD83D\uDE00", " \uD83D\uDE00 ", "a\u00a0", "\u00a0a\u0085"}) {
            assertEquals(v.strip(), FieldNormalizer.Text.strip(v), v);
        }
        Assertions.assertTrue(shortcuts > 100_000, "shortcuts " + shortcuts);
    }
}
