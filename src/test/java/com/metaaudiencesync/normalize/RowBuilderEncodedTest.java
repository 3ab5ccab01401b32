package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.store.BatchCodec;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The file path's rows in stored form must be byte for byte the String rows encoded. */
class RowBuilderEncodedTest {
    private static final String[][] VALUES = {
            /* EXTERN_ID */ {"crm-1", " x ", "Zoë-7", "d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26", "D2A84F4B8B650937EC8F73CD8BE2C74ADD5A911BA64DF27458ED8229DA804A26", ""},
            /* EMAIL */ {"Mary@Example.com", "a@b.co;c@d.org", "bad", "x@y.com, x@y.com", "ZOË@exämple.de", "  "},
            /* PHONE */ {"(212) 555-0100", "12125550100", "+44 20 7946 0123", "030 1234567", "12", "+1 650 555 1212;6505551212"},
            /* GEN */ {"f", "Male", "x"},
            /* DOBY */ {"1980", "1800", "abcd"},
            /* DOBM */ {"May", "13", "07"},
            /* DOBD */ {"7", "31", "0"},
            /* LN */ {"O'Brien", "Pérez", "---", "Van Dyke"},
            /* FN */ {"Mary", "Chloé", "José", "1"},
            /* FI */ {"M", "É", "."},
            /* CT */ {"New York", "São Paulo", "123"},
            /* ST */ {"California", "tx", "??"},
            /* ZIP */ {"94025-1234", "SW1A 1AA", "#!", "940251234"},
            /* COUNTRY */ {"US", "United Kingdom", "DE", "Narnia", "usa"},
            /* MADID */ {"AB12-CD34", "f0e1d2c3-b4a5-6789-0abc-def012345678"},
    };

    @Test
    void encodedRowsAreTheStringRowsEncoded() {
        Random rnd = new Random(3);
        RowBuilder.Scratch h = new RowBuilder.Scratch();
        for (RowBuilder rb : new RowBuilder[]{new RowBuilder(null), new RowBuilder("US")}) {
            for (int i = 0; i < 20_000; i++) {
                RawMember m = new RawMember();
                for (MetaKey k : MetaKey.SCHEMA) {
                    int times = rnd.nextInt(3) == 0 ? 0 : 1 + (rnd.nextInt(4) == 0 ? 1 : 0);
                    for (int t = 0; t < times; t++) m.add(k, VALUES[k.ordinal()][rnd.nextInt(VALUES[k.ordinal()].length)]);
                }
                if (rnd.nextInt(5) == 0) m.addPrehashed(MetaKey.EMAIL, rnd.nextBoolean() ? Sha256.hex("mary@example.com") : "nothex");
                if (rnd.nextInt(7) == 0) m.addPrehashed(MetaKey.PHONE, Sha256.hex("12125550100").toUpperCase());
                if (rnd.nextInt(6) == 0) m.dateOfBirth = rnd.nextBoolean() ? "1985-02-28" : "1985-02-30";
                RowResult s = rb.build(m);
                RowBuilder.EncodedRows e = rb.buildEncoded(m, h);
                assertEquals(s.rejectReason(), e.rejectReason());
                assertEquals(s.fieldIssues(), e.fieldIssues());
                if (s.rejected()) {
                    assertNull(e.rows());
                    continue;
                }
                assertEquals(s.rows().size(), e.rows().length);
                for (int r = 0; r < e.rows().length; r++) assertArrayEquals(BatchCodec.encodeRow(s.rows().get(r)), e.rows()[r]);
            }
        }
    }
}
