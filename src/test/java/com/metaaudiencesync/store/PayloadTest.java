package com.metaaudiencesync.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.normalize.Sha256;
import com.metaaudiencesync.send.RequestBodies;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pins the block form of a batch payload: no array of the batch's size, same bytes and rows as one array. */
class PayloadTest {
    private static final JsonFactory JSON = new JsonFactory();

    /** 10 000 rows (a full batch) of hashes, empty cells and text, a few rows with text longer than a block */
    private static List<String[]> batch() { return rows(10_000, 11); }

    private static List<String[]> rows(int n, long seed) {
        Random r = new Random(seed);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] row = new String[MetaKey.COUNT];
            for (int c = 0; c < row.length; c++) {
                int k = r.nextInt(5);
                row[c] = k == 0 ? "" : k <= 2 ? Sha256.hex("v" + r.nextInt()) : k == 3 ? "ext-" + i + "-" + c : "Ünï " + r.nextInt(1000);
            }
            if (i % 2500 == 7) row[MetaKey.COUNT - 1] = "long-" + "x".repeat(Payload.BLOCK + 1000); // spans 2-3 blocks
            rows.add(row);
        }
        return rows;
    }

    /** the stored form written without the writer: header + each row's encodeRow bytes */
    private static byte[] concatenated(List<String[]> rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        for (int v : new int[]{rows.size(), MetaKey.COUNT}) {
            out.write(v >>> 24); out.write(v >>> 16); out.write(v >>> 8); out.write(v);
        }
        for (String[] row : rows) out.writeBytes(BatchCodec.encodeRow(row));
        return out.toByteArray();
    }

    private static String json(Payload p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            RequestBodies.payload(g, p, null);
            g.writeEndObject();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void assertSameRows(List<String[]> actual, List<String[]> expected) {
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            if (!Arrays.equals(actual.get(i), expected.get(i))) assertThat(actual.get(i)).as("row %d", i).containsExactly(expected.get(i));
        }
    }

    @Test
    void aFullBatchIsWrittenInBlocksNoneLargerThanABlockWithTheSameBytes() {
        List<String[]> rows = batch();
        BatchCodec.Writer w = new BatchCodec.Writer(10_000);
        for (String[] row : rows) w.addEncoded(BatchCodec.encodeRow(row));
        Payload p = w.toPayload();

        byte[] expected = concatenated(rows);
        assertThat(p.length()).isEqualTo(expected.length);
        assertThat(p.blockCount()).isGreaterThan(expected.length / Payload.BLOCK);
        for (int i = 0; i < p.blockCount(); i++) assertThat(p.block(i).length).as("block %d", i).isLessThanOrEqualTo(Payload.BLOCK);
        assertThat(p.toArray()).isEqualTo(expected);
        assertSameRows(BatchCodec.decode(p), rows);
    }

    @Test
    void readingAtAnyBlockBoundaryGivesTheSameRowsAndJson() throws IOException {
        List<String[]> rows = batch().subList(0, 3000);
        byte[] whole = BatchCodec.encode(rows);
        String expectedJson = json(Payload.of(whole));
        Random r = new Random(3);
        // odd splits: 1-byte blocks inside the header, blocks that end inside a hash, a varint, a long text
        for (int[] sizes : new int[][]{{1, 2, 3, 5, 7}, {9, 33, 34}, {100, 1000, 4096}, {Payload.BLOCK}}) {
            List<byte[]> blocks = new ArrayList<>();
            for (int off = 0, k = 0; off < whole.length; k++) {
                int n = Math.min(whole.length - off, sizes[k % sizes.length] + (sizes.length > 1 ? r.nextInt(3) : 0));
                blocks.add(Arrays.copyOfRange(whole, off, off + n));
                off += n;
            }
            int[] lengths = blocks.stream().mapToInt(b -> b.length).toArray();
            Payload split = Payload.ofBlocks(blocks.toArray(new byte[0][]), lengths);
            assertThat(split.toArray()).isEqualTo(whole);
            assertThat(json(split)).as("json with blocks of %s", Arrays.toString(sizes)).isEqualTo(expectedJson);
            assertSameRows(BatchCodec.decode(split), rows);
        }
    }

    @Test
    void aStreamedPayloadIsReadBackIntoBlocks() throws IOException {
        List<String[]> rows = batch();
        Payload p = BatchCodec.encodePayload(rows);
        byte[] streamed;
        try (InputStream in = p.stream()) { streamed = in.readAllBytes(); }
        assertThat(streamed).isEqualTo(p.toArray());

        Payload back = Payload.read(p.stream(), p.length());
        assertThat(back.blockCount()).isEqualTo((p.length() + Payload.BLOCK - 1) / Payload.BLOCK);
        assertThat(back).isEqualTo(p);
        assertThat(json(back)).isEqualTo(json(p));

        assertThatThrownBy(() -> Payload.read(new ByteArrayInputStream(new byte[10]), 11)).isInstanceOf(IOException.class)
                .hasMessageContaining("shorter");
    }

    @Test
    void aTruncatedPayloadIsRefusedNotMisread() {
        byte[] whole = BatchCodec.encode(batch().subList(0, 10));
        Payload cut = Payload.ofBlocks(new byte[][]{Arrays.copyOf(whole, whole.length - 5)}, new int[]{whole.length - 5});
        BatchCodec.Reader r = new BatchCodec.Reader(cut);
        assertThatThrownBy(() -> { while (r.hasNext()) r.next(); }).isInstanceOf(RuntimeException.class);
    }
}
