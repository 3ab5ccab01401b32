package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peer vectors where we deliberately give a different answer than the peer, because Meta's published rules
 * (meta-api.md §6) say otherwise or because the peer's answer depends on a peer-only setting. Each entry states
 * what the peer expects, what we produce (normalized value before hashing; "" = field dropped), and why.
 * {@link PeerVectorsTest} runs every other vector and requires agreement.
 */
class DeliberateDifferencesTest {

    /** @param ours normalized value we produce ("" = dropped; null = key not in our schema) */
    record Difference(String id, String field, String peer, String ours, String why) {}

    static final String UNSUPPORTED = null;

    static final List<Difference> DIFFERENCES = List.of(
            // EMAIL: Meta wants an email; a bare word is not one
            d("fbsdk-001", "EMAIL", "hash 'test'", "", "not an email (no @domain): Meta's EMAIL is an address; we drop it as invalid_email"),
            d("fbsdk-002", "EMAIL", "hash 'test'", "", "not an email (no @domain)"),
            d("fbsdk-003", "EMAIL", "hash 'test' (dots stripped)", "", "not an email; the SDK's strip of '.' is not in Meta's rules"),
            d("fbsdk-007", "EMAIL", "hash 'test'", "", "not an email (no @domain)"),
            // DOBY range
            d("fbsdk-034", "DOBY", "hash '0000'", "", "Meta: DOBY is 1900 to current year"),
            d("fbsdk-035", "DOBY", "hash '9999'", "", "Meta: DOBY is 1900 to current year"),
            // keys outside our 15-key schema
            d("fbsdk-039", "F5FIRST", "hash 'georg'", UNSUPPORTED, "F5FIRST is not a key of our multi-key schema"),
            d("fbsdk-040", "F5FIRST", "hash 'john'", UNSUPPORTED, "F5FIRST is not a key of our multi-key schema"),
            d("fbsdk-041", "F5LAST", "hash 'washi'", UNSUPPORTED, "F5LAST is not a key of our multi-key schema"),
            d("fbsdk-042", "F5LAST", "hash 'adams'", UNSUPPORTED, "F5LAST is not a key of our multi-key schema"),
            d("fbsdk-043", "F5LAST", "passthrough 64 x 'a'", UNSUPPORTED, "F5LAST is not a key of our multi-key schema"),
            d("fbsdk-044", "F5LAST", "passthrough 64 x 'a'", UNSUPPORTED, "F5LAST is not a key of our multi-key schema"),
            // names: we drop digits and inner whitespace (Meta: a-z, no punctuation; documented in FieldNormalizerTest)
            d("rudder-009", "FN", "hash 'john smith1'", "johnsmith", "our FN keeps letters only: no digits, no inner space"),
            d("rudder-015", "LN", "hash 'john smith1'", "johnsmith", "our LN keeps letters only: no digits, no inner space"),
            d("rudder-059", "FN", "hash '1234'", "", "no letters left: invalid_name (Meta: a-z)"),
            // COUNTRY: names/alpha-3 mapped to alpha-2 (Meta: ISO alpha-2; 'United States' -> 'us' is Meta's own vector)
            d("rudder-020", "COUNTRY", "drop", "us", "we map alpha-3 'USA' to 'us' instead of dropping it"),
            d("segment-062", "COUNTRY", "hash 'unitedstates'", "us", "Meta's own CAPI vector: United States -> us"),
            d("segment-125", "COUNTRY", "hash 'unitedstates'", "us", "Meta's own CAPI vector: United States -> us"),
            // ZIP: US ZIP+4
            d("rudder-024", "ZIP", "hash '940351234'", "94035", "Meta: US ZIP is the first 5 digits"),
            // already-hashed policy: we pass 64-hex through (CONTRACT §3), RudderStack rejects it
            d("rudder-031", "EMAIL", "error (pre-hashed rejected)", "b94d27b9934d3e08a52e52d7da7dabfac484efe04294e576ca48e1cb0d7d6267",
                    "CONTRACT §3: a 64-hex value in a hashable column is taken as already hashed and passed through"),
            d("rudder-066", "EMAIL", "error (pre-hashed rejected)", "b94d27b9934d3e08a52e52d7da7dabfac484efe04294e576ca48e1cb0d7d6267",
                    "CONTRACT §3: a 64-hex value in a hashable column is taken as already hashed and passed through"),
            // RudderStack isHashRequired=false: a peer-only setting; we always hash
            d("rudder-032", "EMAIL", "error (isHashRequired=false)", "user@example.com", "we have no 'hashing off' setting: plain values are always hashed"),
            d("rudder-065", "EMAIL", "error (isHashRequired=false)", "test@example.com", "we have no 'hashing off' setting: plain values are always hashed"),
            // PHONE: Meta requires the country code; we never guess one
            d("rudder-038", "PHONE", "hash '9432457768'", "", "national number (trunk 0) without a country: phone_needs_country"),
            d("segment-083", "PHONE", "hash '5555555555'", "", "10 digits without a country code or row country: phone_needs_country"),
            d("segment-094", "PHONE", "hash '4792813113'", "", "10 digits without a country code or row country: phone_needs_country"),
            d("segment-095", "PHONE", "hash '3227352263'", "", "10 digits without a country code or row country: phone_needs_country"),
            // FI: the first initial
            d("rudder-040", "FI", "hash 'ms.'", "m", "Meta: FI is a first initial, a-z"),
            d("rudder-064", "FI", "hash 'ghui'", "g", "Meta: FI is a first initial, a-z"),
            // RudderStack disableFormat=true: a peer-only setting that hashes raw values; we always normalize
            d("rudder-046", "DOBM", "hash '2' (disableFormat)", "02", "Meta: DOBM is MM (zero-padded); we always normalize"),
            d("rudder-050", "GEN", "hash 'female' (disableFormat)", "f", "Meta: GEN is m or f; we always normalize"),
            d("rudder-051", "FI", "hash 'Ms.' (disableFormat)", "m", "Meta: FI is a first initial; we always normalize"),
            d("rudder-052", "MADID", "passthrough 'ABC' (disableFormat)", "abc", "Meta: MADID all lowercase; we always normalize"),
            d("rudder-053", "ZIP", "hash 'ZIP ' (disableFormat)", "zip", "Meta: ZIP lowercase, no whitespace; we always normalize"),
            d("rudder-054", "ST", "hash '123abc ' (disableFormat)", "abc", "Meta: ST lowercase letters; we always normalize"),
            d("rudder-055", "COUNTRY", "drop (disableFormat)", "in", "'IN' is a valid ISO code; we always normalize"),
            // MADID case
            d("segment-008", "MADID", "passthrough, case kept", "ab1234cd-e123-12fg-j123", "Meta: MADID all lowercase, keep hyphens"),
            d("segment-078", "MADID", "passthrough, case kept", "ab12cd-e345-fg67", "Meta: MADID all lowercase, keep hyphens"),
            // DOBM
            d("segment-031", "DOBM", "hash 'notamonth'", "", "Meta: DOBM is 01-12; not a month: invalid_dob"),
            // ST: full state name with punctuation
            d("segment-119", "ST", "hash 'california'", "ca", "Meta: US states as 2-letter code; we strip punctuation before the name lookup"),
            d("segment-122", "ST", "hash 'california'", "ca", "Meta: US states as 2-letter code; we strip punctuation before the name lookup")
    );

    static final Set<String> IDS;
    static {
        Set<String> s = new HashSet<>();
        for (Difference x : DIFFERENCES) {
            if (!s.add(x.id())) throw new IllegalStateException("duplicate difference " + x.id());
        }
        IDS = Set.copyOf(s);
    }

    private static Difference d(String id, String field, String peer, String ours, String why) {
        return new Difference(id, field, peer, ours, why);
    }

    /** Our wire cell for a {@link Difference#ours()} value. */
    static String ourCell(Difference x) {
        if (x.ours() == null || x.ours().isEmpty()) return x.ours();
        MetaKey key = MetaKey.valueOf(x.field());
        return key.hashed() && !Sha256.isHex64(x.ours()) ? Sha256.hex(x.ours()) : x.ours();
    }

    private static Map<String, PeerVectors.Vector> byId;

    @BeforeAll
    static void load() {
        Assumptions.assumeTrue(PeerVectors.available(), PeerVectors.missingMessage());
        byId = new LinkedHashMap<>();
        for (PeerVectors.Vector v : PeerVectors.load()) byId.put(v.id(), v);
    }

    @Test
    void everyListedDifferenceIsRealAndAsStated() {
        assertEquals(41, DIFFERENCES.size());
        for (Difference x : DIFFERENCES) {
            PeerVectors.Vector v = byId.get(x.id());
            assertNotNull(v, "listed difference " + x.id() + " is not in the CSV");
            assertEquals(x.field(), v.field(), x.id());
            String ours = v.ourCell();
            if (x.ours() == null) {
                assertNull(ours, x.id() + ": field should be unsupported");
                continue;
            }
            assertEquals(ourCell(x), ours, x.id() + ": we produce something else than this table says");
            assertNotEquals(v.peerCell(), ours, x.id() + ": we now agree with the peer; move it out of the differences");
        }
    }

    @Test
    void everyVectorIsEitherAgreedOrADeliberateDifference() {
        assertEquals(PeerVectors.EXPECTED_TOTAL, byId.size(), "the CSV changed: re-triage the vectors");
        int agree = 0, differ = 0;
        Map<String, String> unexplained = new HashMap<>();
        for (PeerVectors.Vector v : byId.values()) {
            if (IDS.contains(v.id())) {
                differ++;
            } else {
                agree++;
                if (!v.agrees()) unexplained.put(v.id(), v.field());
            }
        }
        assertTrue(unexplained.isEmpty(), "vectors neither agreed nor listed as deliberate: " + unexplained);
        assertEquals(PeerVectors.EXPECTED_TOTAL, agree + differ);
        assertEquals(232, agree);
        assertEquals(41, differ);
    }
}
