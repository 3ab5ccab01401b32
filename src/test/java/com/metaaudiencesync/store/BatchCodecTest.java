package com.metaaudiencesync.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.normalize.Sha256;
import com.metaaudiencesync.send.RequestBodies;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BatchCodecTest {
    private static final JsonFactory JSON = new JsonFactory();

    private static List<String[]> sample() {
        Random r = new Random(7);
        String[] texts = {"cus_1", "Ünïcödé", "emoji 😀", "quote \" and \\ backslash", "ctl \u0001\n", "lone \uD800 surrogate",
                "ABCDEF" + "0".repeat(58), "a".repeat(63), "g".repeat(64), "x".repeat(300)};
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String[] row = new String[MetaKey.COUNT];
            for (int c = 0; c < row.length; c++) {
                int k = r.nextInt(4);
                row[c] = k == 0 ? "" : k == 1 ? Sha256.hex("v" + r.nextInt()) : k == 2 ? texts[r.nextInt(texts.length)] : Sha256.hex(Integer.toString(i));
            }
            rows.add(row);
        }
        return rows;
    }

    @Test
    void roundTripsEveryKindOfCell() {
        List<String[]> rows = sample();
        List<String[]> back = BatchCodec.decode(BatchCodec.encode(rows));
        assertThat(back).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String[] expected = rows.get(i).clone();
            for (int c = 0; c < expected.length; c++) {
                // a lone surrogate cannot be encoded in UTF-8: String.getBytes writes '?', as before
                expected[c] = expected[c].replace("\uD800", "?");
            }
            assertThat(back.get(i)).as("row %d", i).containsExactly(expected);
        }
        assertThat(BatchCodec.rowCount(BatchCodec.encode(rows))).isEqualTo(rows.size());
        assertThat(BatchCodec.decode(BatchCodec.encode(List.of()))).isEmpty();
    }

    @Test
    void rowsEncodedOneByOneGiveTheSamePayload() {
        List<String[]> rows = sample();
        BatchCodec.Writer w = new BatchCodec.Writer(7); // smaller than the batch: the buffer has to grow
        for (String[] row : rows) w.addEncoded(BatchCodec.encodeRow(row));
        assertThat(w.rowCount()).isEqualTo(rows.size());
        assertThat(w.toBytes()).isEqualTo(BatchCodec.encode(rows));
    }

    @Test
    void hashesTakeThirtyThreeBytes() {
        String[] row = new String[MetaKey.COUNT];
        Arrays.fill(row, "");
        row[1] = Sha256.hex("a@b.com");
        assertThat(BatchCodec.encode(List.<String[]>of(row)).length).isEqualTo(9 + (MetaKey.COUNT - 1) + 33);
    }

    @Test
    void streamedJsonRowsEqualJsonOfTheDecodedStrings() throws Exception {
        byte[] stored = BatchCodec.encode(sample());
        ByteArrayOutputStream a = new ByteArrayOutputStream(), b = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(a)) {
            g.writeStartArray();
            BatchCodec.Reader r = new BatchCodec.Reader(stored);
            while (r.hasNext()) r.writeRow(g);
            g.writeEndArray();
        }
        try (JsonGenerator g = JSON.createGenerator(b)) {
            g.writeStartArray();
            for (String[] row : BatchCodec.decode(stored)) {
                g.writeStartArray();
                for (String c : row) g.writeString(c);
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        assertThat(a.toString("UTF-8")).isEqualTo(b.toString("UTF-8"));
    }

    @Test
    void streamedJsonOfManyRowsWithAwkwardTextEqualsTheGeneratorsJson() throws Exception {
        String[] texts = {"cus_1", "a\"b", "back\\slash", "tab\there", "Zoë", "\u0001", "del\u007f", "/slash", "日本", "x".repeat(300), "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"};
        Random rnd = new Random(11);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String[] row = new String[MetaKey.COUNT];
            for (int c = 0; c < row.length; c++) {
                int k = rnd.nextInt(4);
                row[c] = k == 0 ? "" : k == 1 ? texts[rnd.nextInt(texts.length)] : Sha256.hex("v" + rnd.nextInt(1000));
            }
            rows.add(row);
        }
        byte[] stored = BatchCodec.encode(rows);
        for (boolean ldu : new boolean[]{false, true}) {
            ByteArrayOutputStream a = new ByteArrayOutputStream(), b = new ByteArrayOutputStream();
            try (JsonGenerator g = JSON.createGenerator(a)) {
                g.writeStartObject();
                RequestBodies.payload(g, stored, ldu ? "1,1000" : null);
                g.writeEndObject();
            }
            try (JsonGenerator g = JSON.createGenerator(b)) {
                g.writeStartObject();
                g.writeObjectFieldStart("payload");
                g.writeArrayFieldStart("schema");
                for (MetaKey k : MetaKey.SCHEMA) g.writeString(k.name());
                if (ldu) {
                    g.writeString("DATA_PROCESSING_OPTIONS");
                    g.writeString("DATA_PROCESSING_OPTIONS_COUNTRY");
                    g.writeString("DATA_PROCESSING_OPTIONS_STATE");
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data");
                for (String[] row : BatchCodec.decode(stored)) {
                    g.writeStartArray();
                    for (String c : row) g.writeString(c);
                    if (ldu) {
                        g.writeStartArray();
                        g.writeString("LDU");
                        g.writeEndArray();
                        g.writeNumber(1);
                        g.writeNumber(1000);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
                g.writeEndObject();
            }
            assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
        }
    }
}
