package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.metaaudiencesync.model.MetaKey.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowBuilderTest {
    private final RowBuilder rb = new RowBuilder(null);
    private final RowBuilder rbUs = new RowBuilder("US");

    private static String cell(String[] row, MetaKey k) { return row[k.ordinal()]; }

    @Test
    void oneRowInSchemaOrderWithEmptyStringsForUnknown() {
        RowResult r = rb.build(new RawMember().add(EMAIL, "Mary@Example.com "));
        assertFalse(r.rejected());
        assertEquals(1, r.rows().size());
        String[] row = r.rows().get(0);
        assertEquals(MetaKey.COUNT, row.length);
        assertEquals("f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", cell(row, EMAIL));
        for (MetaKey k : MetaKey.SCHEMA) if (k != EMAIL) assertEquals("", cell(row, k), k.name());
        assertEquals(Map.of(), r.fieldIssues());
    }

    @Test
    void fullMemberAllKeys() {
        RawMember m = new RawMember()
                .add(EMAIL, "mary@example.com").add(PHONE, "(650)555-1212").add(FN, "Mary").add(LN, "O'Brien")
                .add(FI, "M").add(GEN, "female").add(DOBY, "1980").add(DOBM, "May").add(DOBD, "7").add(CT, "Menlo Park")
                .add(ST, "California").add(ZIP, "94025-1234").add(COUNTRY, "United States").add(MADID, "AB12-CD34")
                .add(EXTERN_ID, " crm-42 ");
        RowResult r = rb.build(m);
        String[] row = r.rows().get(0);
        assertEquals(Sha256.hex("16505551212"), cell(row, PHONE)); // row COUNTRY (us) used for the phone
        assertEquals(Sha256.hex("mary"), cell(row, FN));
        assertEquals(Sha256.hex("obrien"), cell(row, LN));
        assertEquals(Sha256.hex("m"), cell(row, FI));
        assertEquals(Sha256.hex("f"), cell(row, GEN));
        assertEquals(Sha256.hex("1980"), cell(row, DOBY));
        assertEquals(Sha256.hex("05"), cell(row, DOBM));
        assertEquals(Sha256.hex("07"), cell(row, DOBD));
        assertEquals(Sha256.hex("menlopark"), cell(row, CT));
        assertEquals(Sha256.hex("ca"), cell(row, ST));
        assertEquals(Sha256.hex("94025"), cell(row, ZIP));
        assertEquals(Sha256.hex("us"), cell(row, COUNTRY));
        assertEquals("ab12-cd34", cell(row, MADID));   // not hashed
        assertEquals("crm-42", cell(row, EXTERN_ID));  // not hashed
        assertEquals(Map.of(), r.fieldIssues());
    }

    @Test
    void rowCountryBeatsDefaultRegionForPhone() {
        RowResult r = rbUs.build(new RawMember().add(PHONE, "020 7946 0958").add(COUNTRY, "GB"));
        assertEquals(Sha256.hex("442079460958"), cell(r.rows().get(0), PHONE));
        r = rbUs.build(new RawMember().add(PHONE, "650 555 1212"));
        assertEquals(Sha256.hex("16505551212"), cell(r.rows().get(0), PHONE));
    }

    @Test
    void multiEmailSplitOneRowEach() {
        RawMember m = new RawMember().add(EMAIL, "a@x.com; b@y.com,c@z.com").add(FN, "Ann").add(ZIP, "10001");
        RowResult r = rb.build(m);
        assertEquals(3, r.rows().size());
        assertEquals(Sha256.hex("a@x.com"), cell(r.rows().get(0), EMAIL));
        assertEquals(Sha256.hex("b@y.com"), cell(r.rows().get(1), EMAIL));
        assertEquals(Sha256.hex("c@z.com"), cell(r.rows().get(2), EMAIL));
        for (String[] row : r.rows()) {                          // other fields repeated on every row
            assertEquals(Sha256.hex("ann"), cell(row, FN));
            assertEquals(Sha256.hex("10001"), cell(row, ZIP));
        }
        assertTrue(r.rows().get(0) != r.rows().get(1));          // distinct arrays
    }

    @Test
    void emailsAndPhonesPairedByIndexDuplicatesDropped() {
        RawMember m = new RawMember().add(EMAIL, "a@x.com").add(EMAIL, "A@X.com;b@y.com")
                .add(PHONE, "+1 650 555 1212;+44 20 7946 0958;+49 30 123456");
        RowResult r = rb.build(m);
        assertEquals(3, r.rows().size()); // max(2 distinct emails, 3 phones)
        assertEquals(Sha256.hex("a@x.com"), cell(r.rows().get(0), EMAIL));
        assertEquals(Sha256.hex("16505551212"), cell(r.rows().get(0), PHONE));
        assertEquals(Sha256.hex("b@y.com"), cell(r.rows().get(1), EMAIL));
        assertEquals(Sha256.hex("442079460958"), cell(r.rows().get(1), PHONE));
        assertEquals("", cell(r.rows().get(2), EMAIL));
        assertEquals(Sha256.hex("4930123456"), cell(r.rows().get(2), PHONE));
    }

    @Test
    void phonesSplitOnCommaAndSemicolon() {
        RowResult r = rb.build(new RawMember().add(PHONE, "+1 650 555 1212, +1 650 555 1213;+1 650 555 1214"));
        assertEquals(3, r.rows().size());
        assertEquals(Sha256.hex("16505551213"), cell(r.rows().get(1), PHONE));
        assertEquals(Map.of(), r.fieldIssues());
    }

    @Test
    void tooLittleToMatch() {
        RowResult r = rb.build(new RawMember().add(FN, "Mary").add(CT, "Paris").add(GEN, "f"));
        assertTrue(r.rejected());
        assertEquals(RowBuilder.TOO_LITTLE_TO_MATCH, r.rejectReason());
        assertTrue(r.rows().isEmpty());
        assertTrue(rb.build(new RawMember()).rejected());
        // invalid identifiers do not count
        r = rb.build(new RawMember().add(EMAIL, "not-an-email").add(PHONE, "555 1212"));
        assertEquals(RowBuilder.TOO_LITTLE_TO_MATCH, r.rejectReason());
        assertEquals(Map.of(FieldNormalizer.INVALID_EMAIL, 1, FieldNormalizer.PHONE_NEEDS_COUNTRY, 1), r.fieldIssues());
    }

    @Test
    void enoughToMatch() {
        assertFalse(rb.build(new RawMember().add(MADID, "abc")).rejected());
        assertFalse(rb.build(new RawMember().add(EXTERN_ID, "42")).rejected());
        assertFalse(rb.build(new RawMember().add(FN, "Mary").add(LN, "Smith").add(ZIP, "10001")).rejected());
        assertFalse(rb.build(new RawMember().add(FN, "Mary").add(LN, "Smith").add(CT, "Paris").add(ST, "IDF")).rejected());
        assertFalse(rb.build(new RawMember().add(FN, "Mary").add(LN, "Smith").add(DOBY, "1980")).rejected());
        RawMember dob = new RawMember().add(FN, "Mary").add(LN, "Smith");
        dob.dateOfBirth = "1980-05-17";
        assertFalse(rb.build(dob).rejected());
        assertTrue(rb.build(new RawMember().add(FN, "Mary").add(LN, "Smith").add(CT, "Paris")).rejected());
        assertTrue(rb.build(new RawMember().add(FN, "Mary").add(LN, "Smith").add(DOBY, "1800")).rejected());
        assertTrue(rb.build(new RawMember().add(FN, "1234").add(LN, "Smith").add(ZIP, "10001")).rejected());
    }

    @Test
    void fieldIssuesCountedAndRowGoesOn() {
        RawMember m = new RawMember().add(EMAIL, "a@x.com;broken;also broken@x.com").add(GEN, "unknown")
                .add(COUNTRY, "Atlantis").add(DOBM, "13").add(DOBD, "32").add(ZIP, "10001");
        RowResult r = rb.build(m);
        assertFalse(r.rejected());
        assertEquals(1, r.rows().size());
        assertEquals(Map.of(FieldNormalizer.INVALID_EMAIL, 2, FieldNormalizer.INVALID_GENDER, 1,
                FieldNormalizer.INVALID_COUNTRY, 1, FieldNormalizer.INVALID_DOB, 2), r.fieldIssues());
        String[] row = r.rows().get(0);
        assertEquals("", cell(row, GEN));
        assertEquals("", cell(row, COUNTRY));
        assertEquals(Sha256.hex("10001"), cell(row, ZIP));
    }

    @Test
    void firstValidValueWinsForSingleKeys() {
        RowResult r = rb.build(new RawMember().add(EMAIL, "a@x.com").add(GEN, "x").add(GEN, "Woman"));
        assertEquals(Sha256.hex("f"), cell(r.rows().get(0), GEN));
        assertEquals(Map.of(FieldNormalizer.INVALID_GENDER, 1), r.fieldIssues());
    }

    @Test
    void prehashedPassthroughLowercasedNeverRehashed() {
        String upper = Sha256.hex("mary@example.com").toUpperCase();
        RowResult r = rb.build(new RawMember().addPrehashed(EMAIL, upper).addPrehashed(FN, Sha256.hex("mary").toUpperCase()));
        String[] row = r.rows().get(0);
        assertEquals(upper.toLowerCase(), cell(row, EMAIL));
        assertEquals(Sha256.hex("mary"), cell(row, FN));
        // the same in a plain column: a 64-hex value is taken as already hashed
        r = rb.build(new RawMember().add(EMAIL, upper));
        assertEquals(upper.toLowerCase(), cell(r.rows().get(0), EMAIL));
        // a plain email and its own hash from an *_sha256 column are the same row
        r = rb.build(new RawMember().add(EMAIL, "mary@example.com").addPrehashed(EMAIL, upper));
        assertEquals(1, r.rows().size());
    }

    @Test
    void prehashedMustBeHex() {
        RowResult r = rb.build(new RawMember().addPrehashed(EMAIL, "mary@example.com").add(EXTERN_ID, "1"));
        assertEquals(Map.of(FieldNormalizer.INVALID_HASH, 1), r.fieldIssues());
        assertEquals("", cell(r.rows().get(0), EMAIL));
    }

    @Test
    void plainValueBeatsPrehashedForSingleKeys() {
        RowResult r = rb.build(new RawMember().add(EXTERN_ID, "1").add(FN, "Ann").addPrehashed(FN, Sha256.hex("bob")));
        assertEquals(Sha256.hex("ann"), cell(r.rows().get(0), FN));
    }

    @Test
    void madidAndExternIdNotHashed() {
        RowResult r = rb.build(new RawMember().add(MADID, "6D92078A-8246-4BA4-AE5B-76104861E7DC").add(EXTERN_ID, "User-7"));
        String[] row = r.rows().get(0);
        assertEquals("6d92078a-8246-4ba4-ae5b-76104861e7dc", cell(row, MADID));
        assertEquals("User-7", cell(row, EXTERN_ID));
    }

    @Test
    void dateOfBirthFillsMissingParts() {
        RawMember m = new RawMember().add(EXTERN_ID, "1").add(DOBY, "1975");
        m.dateOfBirth = "1980-05-17";
        String[] row = rb.build(m).rows().get(0);
        assertEquals(Sha256.hex("1975"), cell(row, DOBY)); // explicit part wins
        assertEquals(Sha256.hex("05"), cell(row, DOBM));
        assertEquals(Sha256.hex("17"), cell(row, DOBD));

        RawMember bad = new RawMember().add(EXTERN_ID, "1");
        bad.dateOfBirth = "1980-02-30";
        RowResult r = rb.build(bad);
        assertEquals(Map.of(FieldNormalizer.INVALID_DOB, 1), r.fieldIssues());
        assertEquals("", cell(r.rows().get(0), DOBY));
    }

    @Test
    void blankValuesAreNotIssues() {
        RowResult r = rb.build(new RawMember().add(EMAIL, "a@x.com").add(PHONE, " ").add(FN, "").add(EMAIL, ";"));
        assertEquals(Map.of(), r.fieldIssues());
        assertNull(r.rejectReason());
    }

    @Test
    void tooManyValues() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < RowBuilder.MAX_VALUES_PER_KEY + 5; i++) sb.append("u").append(i).append("@x.com;");
        RowResult r = rb.build(new RawMember().add(EMAIL, sb.toString()));
        assertEquals(RowBuilder.MAX_VALUES_PER_KEY, r.rows().size());
        assertEquals(Map.of(RowBuilder.TOO_MANY_VALUES, 5), r.fieldIssues());
    }

    @Test
    void defaultCountryNormalized() {
        assertEquals("us", new RowBuilder("USA").defaultCountry());
        assertNull(new RowBuilder(" ").defaultCountry());
    }
}
