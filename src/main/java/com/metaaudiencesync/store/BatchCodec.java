package com.metaaudiencesync.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.model.MetaKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compact binary form of a batch of final rows, as stored in the database: a 64-hex SHA-256 cell takes
 * 33 bytes instead of 66 in JSON, so a 10 000-row batch is stored and re-read cheaply. Format (version 1):
 * byte 1, int rowCount, int cellsPerRow, then per cell a tag: 0 = "", 1 = 32 raw hash bytes,
 * 2 = varint length + UTF-8 bytes (MADID, EXTERN_ID, upper-case-free strings that are not hashes).
 */
public final class BatchCodec {
    private static final byte VERSION = 1;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final byte[] HEX_BYTES = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private BatchCodec() {}

    public static byte[] encode(List<String[]> rows) { return encodePayload(rows).toArray(); }

    public static Payload encodePayload(List<String[]> rows) {
        Writer w = new Writer(rows.size());
        for (String[] row : rows) w.add(row);
        return w.toPayload();
    }

    /**
     * Builds a payload row by row: a staged batch holds its rows in stored form (33 bytes per hash) instead of
     * as Strings, so the rows' Strings die young and a batch being filled costs a few blocks, not 10 000 rows of
     * objects that survive into the old generation. The bytes go into blocks of at most {@link Payload#BLOCK}
     * (a row may span two), so no array of the batch's size is ever made (see {@link Payload}).
     */
    public static final class Writer {
        private final int cells = MetaKey.COUNT;
        private final List<byte[]> full = new ArrayList<>();
        private byte[] cur;
        private int p = 9;
        private int rows;

        /** @param maxRows rows the batch may hold: a small batch starts with a small first block */
        public Writer(int maxRows) {
            int max = Math.max(1, maxRows);
            cur = block((int) Math.min(Payload.BLOCK, 9L + Math.max(16, Math.min(1024, max)) * MetaKey.COUNT * 24L));
        }

        private static byte[] block(int size) { return new byte[size]; }

        public int rowCount() { return rows; }

        /** Appends a row already in stored form ({@link BatchCodec#encodeRow}). */
        public void addEncoded(byte[] row) {
            int len = row.length;
            int n = Math.min(len, cur.length - p);
            System.arraycopy(row, 0, cur, p, n);
            p += n;
            while (n < len) {
                next(len - n);
                int m = Math.min(len - n, cur.length - p);
                System.arraycopy(row, n, cur, p, m);
                p += m;
                n += m;
            }
            rows++;
        }

        /** the first block grows (doubling) up to a full block; after that, a new block */
        private void next(int more) {
            if (full.isEmpty() && cur.length < Payload.BLOCK) {
                byte[] grown = block((int) Math.min(Payload.BLOCK, Math.max(2L * cur.length, (long) p + more)));
                System.arraycopy(cur, 0, grown, 0, p);
                cur = grown;
            } else {
                full.add(cur);
                cur = Payload.newBlock();
                p = 0;
            }
        }

        public void add(String[] row) { addEncoded(encodeRow(row)); }

        /** The payload (version, row count, cells, rows). The writer is not used after this. */
        public Payload toPayload() {
            byte[] first = full.isEmpty() ? cur : full.get(0);
            first[0] = VERSION;
            putInt(first, 1, rows);
            putInt(first, 5, cells);
            byte[][] blocks = new byte[full.size() + 1][];
            int[] lengths = new int[blocks.length];
            for (int i = 0; i < full.size(); i++) {
                blocks[i] = full.get(i);
                lengths[i] = blocks[i].length;
            }
            blocks[full.size()] = cur;
            lengths[full.size()] = p;
            return Payload.ofBlocks(blocks, lengths);
        }

        /** The payload as one array (small batches, tests). */
        public byte[] toBytes() { return toPayload().toArray(); }
    }

    /** One row in stored form (the cells of {@link Writer#add}), for {@link Writer#addEncoded}. */
    public static byte[] encodeRow(String[] row) {
        // a plain local buffer: a ThreadLocal here cost more than the encoding (the intake threads' ThreadLocal maps
        // are crowded by the frameworks, so every lookup probed a long chain)
        byte[][] holder = {new byte[rowEstimate(row)]};
        int p = writeRow(row, holder, 0);
        byte[] out = holder[0];
        return p == out.length ? out : Arrays.copyOf(out, p);
    }

    /**
     * One row in stored form from cells in schema order: null or "" (tag 0), a 32-byte SHA-256 digest (tag 1), or a
     * String, stored exactly as {@link #encodeRow} stores it (64 lowercase hex digits as tag 1, anything else as
     * text). So a row whose hashed cells are digests encodes to the same bytes as the row with their hex Strings.
     */
    public static byte[] encodeCells(Object[] cells) {
        int size = 0;
        for (int c = 0; c < MetaKey.COUNT; c++) {
            Object v = cells[c];
            if (v == null) size += 1;
            else if (v instanceof byte[]) size += 33;
            else size += textSize((String) v);
        }
        byte[] out = new byte[size];
        int p = 0;
        for (int c = 0; c < MetaKey.COUNT; c++) {
            Object v = cells[c];
            if (v == null) {
                out[p++] = 0;
            } else if (v instanceof byte[] d) {
                if (d.length != 32) throw new IllegalArgumentException("a digest cell holds 32 bytes");
                out[p++] = 1;
                System.arraycopy(d, 0, out, p, 32);
                p += 32;
            } else {
                p = writeText((String) v, out, p);
            }
        }
        if (p != size) throw new IllegalStateException("row size");
        return out;
    }

    /** stored size of a String cell (see {@link #writeText}) */
    private static int textSize(String v) {
        int n = v.length();
        if (n == 0) return 1;
        if (n == 64 && isLowerHex64(v)) return 33;
        int u = n;
        for (int i = 0; i < n; i++) {
            if (v.charAt(i) >= 128) { u = v.getBytes(StandardCharsets.UTF_8).length; break; }
        }
        return 1 + varintLength(u) + u;
    }

    /** a String cell as {@link #writeRow} writes it, into a buffer sized by {@link #textSize} */
    private static int writeText(String v, byte[] out, int p) {
        int n = v.length();
        if (n == 0) {
            out[p++] = 0;
            return p;
        }
        if (n == 64 && isLowerHex64(v)) {
            out[p++] = 1;
            for (int i = 0; i < 64; i += 2) out[p++] = (byte) ((HEX_VAL[v.charAt(i)] << 4) | HEX_VAL[v.charAt(i + 1)]);
            return p;
        }
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) ascii = v.charAt(i) < 128;
        out[p++] = 2;
        if (ascii) {
            p = putVarint(out, p, n);
            for (int i = 0; i < n; i++) out[p++] = (byte) v.charAt(i);
        } else {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            p = putVarint(out, p, b.length);
            System.arraycopy(b, 0, out, p, b.length);
            p += b.length;
        }
        return p;
    }

    /** the stored size of a row when its 64-character cells are hashes (the usual case; text cells grow the buffer) */
    static int rowEstimate(String[] row) {
        int cap = 0;
        for (int c = 0; c < MetaKey.COUNT; c++) {
            String v = row[c];
            cap += v == null || v.isEmpty() ? 1 : (v.length() == 64 ? 33 : 6 + 3 * v.length());
        }
        return cap;
    }

    /** Writes the cells of a row into holder[0] at {@code p}, growing it when needed; returns the new end. */
    static int writeRow(String[] row, byte[][] holder, int p) {
        byte[] out = holder[0];
        for (int c = 0; c < MetaKey.COUNT; c++) {
            String v = row[c];
            if (out.length - p < 33) out = holder[0] = Arrays.copyOf(out, Math.max(64, 2 * out.length));
            if (v == null || v.isEmpty()) {
                out[p++] = 0;
                continue;
            }
            if (v.length() == 64) {
                int bad = 0, q = p + 1;
                for (int i = 0; i < 64; i += 2) {
                    int hi = hexVal(v.charAt(i)), lo = hexVal(v.charAt(i + 1));
                    bad |= hi | lo;
                    out[q++] = (byte) ((hi << 4) | lo);
                }
                if (bad >= 0) {
                    out[p] = 1;
                    p = q;
                    continue;
                }
            }
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            if (out.length - p < b.length + 6) out = holder[0] = Arrays.copyOf(out, Math.max(2 * out.length, p + b.length + 40));
            out[p++] = 2;
            p = putVarint(out, p, b.length);
            System.arraycopy(b, 0, out, p, b.length);
            p += b.length;
        }
        return p;
    }

    /** value of a lowercase hex digit, -1 for anything else (upper case included: such a cell is stored as text) */
    private static int hexVal(char ch) { return ch < 128 ? HEX_VAL[ch] : -1; }

    public static List<String[]> decode(byte[] data) { return decode(Payload.of(data)); }

    public static List<String[]> decode(Payload data) {
        Reader r = new Reader(data);
        int n = r.rowCount();
        List<String[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) rows.add(r.next());
        return rows;
    }

    public static int rowCount(byte[] data) { return new Reader(Payload.of(data)).rowCount(); }

    public static int rowCount(Payload data) { return new Reader(data).rowCount(); }

    /**
     * Sequential decoder so a sender can stream rows into JSON without materialising the batch. Reads a row in
     * place inside its block; a row that spans two blocks is first copied into a small scratch array.
     */
    public static final class Reader {
        private final Payload pl;
        /** the current block (or the scratch array), the position in it and its end */
        private byte[] d;
        private int p;
        private int end;
        private int bi;
        /** while a row is read from the scratch array: where the next row starts */
        private boolean onScratch;
        private int resumeBlock, resumePos;
        private byte[] scratch = new byte[1024];
        private final int rows;
        private final int cells;
        private int read;

        public Reader(byte[] data) { this(Payload.of(data)); }

        public Reader(Payload data) {
            this.pl = data;
            if (data.length() < 9 || data.at(0) != VERSION) throw new IllegalArgumentException("not a batch payload");
            rows = headerInt(data, 1);
            cells = headerInt(data, 5);
            bi = 0;
            d = data.block(0);
            end = data.blockLength(0);
            p = 9;
        }

        private static int headerInt(Payload d, int at) {
            return ((d.at(at) & 0xff) << 24) | ((d.at(at + 1) & 0xff) << 16) | ((d.at(at + 2) & 0xff) << 8) | (d.at(at + 3) & 0xff);
        }

        /** Positions {@link #d}/{@link #p} on the next row, whole in one array. */
        private void beginRow() {
            if (onScratch) {
                onScratch = false;
                bi = resumeBlock;
                d = pl.block(bi);
                end = pl.blockLength(bi);
                p = resumePos;
            }
            while (p >= end && bi + 1 < pl.blockCount()) {
                p -= end;
                bi++;
                d = pl.block(bi);
                end = pl.blockLength(bi);
            }
            int q = p;
            for (int c = 0; c < cells; c++) {
                if (q >= end) { spanningRow(); return; }
                byte tag = d[q++];
                if (tag == 1) {
                    q += 32;
                } else if (tag != 0) {
                    int shift = 0, len = 0;
                    while (true) {
                        if (q >= end) { spanningRow(); return; }
                        int x = d[q++] & 0xff;
                        len |= (x & 0x7f) << shift;
                        if ((x & 0x80) == 0) break;
                        shift += 7;
                    }
                    q += len;
                }
            }
            if (q > end) spanningRow();
        }

        /** the row at (bi, p) crosses into the next block(s): copy it into the scratch array and read it there */
        private void spanningRow() {
            int[] cur = {bi, p};
            int o = 0;
            for (int c = 0; c < cells; c++) {
                byte tag = nextByte(cur);
                o = put(o, tag);
                int len;
                if (tag == 0) {
                    len = 0;
                } else if (tag == 1) {
                    len = 32;
                } else {
                    int shift = 0;
                    len = 0;
                    while (true) {
                        byte x = nextByte(cur);
                        o = put(o, x);
                        len |= (x & 0x7f) << shift;
                        if ((x & 0x80) == 0) break;
                        shift += 7;
                    }
                }
                for (int i = 0; i < len; i++) o = put(o, nextByte(cur));
            }
            onScratch = true;
            resumeBlock = cur[0];
            resumePos = cur[1];
            d = scratch;
            p = 0;
            end = o;
        }

        private int put(int o, byte b) {
            if (o == scratch.length) scratch = Arrays.copyOf(scratch, 2 * scratch.length);
            scratch[o] = b;
            return o + 1;
        }

        private byte nextByte(int[] cur) {
            while (cur[1] >= pl.blockLength(cur[0])) {
                if (cur[0] + 1 >= pl.blockCount()) throw new IllegalArgumentException("batch payload ends inside a row");
                cur[0]++;
                cur[1] = 0;
            }
            return pl.block(cur[0])[cur[1]++];
        }

        public int rowCount() { return rows; }
        public int cellCount() { return cells; }
        public boolean hasNext() { return read < rows; }

        public String[] next() {
            beginRow();
            String[] row = new String[cells];
            for (int c = 0; c < cells; c++) row[c] = nextCell();
            read++;
            return row;
        }

        /**
         * Writes the next row as a JSON array of strings straight from the stored bytes (no String per cell):
         * a hash as its 64 lowercase hex digits, text as a JSON string. Same JSON as writing {@link #next()}'s cells.
         */
        public void writeRow(JsonGenerator g) throws IOException { writeRow(g, null); }

        /** Extra cells written after the stored ones (e.g. Limited Data Use columns). */
        public interface Extra {
            void write(JsonGenerator g) throws IOException;
        }

        public void writeRow(JsonGenerator g, Extra extra) throws IOException {
            beginRow();
            g.writeStartArray();
            for (int c = 0; c < cells; c++) {
                byte tag = d[p++];
                if (tag == 0) {
                    g.writeString("");
                } else if (tag == 1) {
                    byte[] hex = hexBuf;
                    for (int i = 0; i < 32; i++) {
                        int b = d[p++] & 0xff;
                        hex[2 * i] = HEX_BYTES[b >>> 4];
                        hex[2 * i + 1] = HEX_BYTES[b & 0xf];
                    }
                    g.writeRawUTF8String(hex, 0, 64); // hex digits never need escaping
                } else {
                    int len = readVarint();
                    // through a String (rare cells: EXTERN_ID, MADID) so the JSON is byte for byte what it was
                    g.writeString(new String(d, p, len, StandardCharsets.UTF_8));
                    p += len;
                }
            }
            if (extra != null) extra.write(g);
            g.writeEndArray();
            read++;
        }

        private final byte[] hexBuf = new byte[64];
        private String nextCell() {
            byte tag = d[p++];
            if (tag == 0) return "";
            if (tag == 1) {
                char[] hex = new char[64];
                for (int i = 0; i < 32; i++) {
                    int b = d[p++] & 0xff;
                    hex[2 * i] = HEX[b >>> 4];
                    hex[2 * i + 1] = HEX[b & 0xf];
                }
                return new String(hex);
            }
            int len = readVarint();
            String s = new String(d, p, len, StandardCharsets.UTF_8);
            p += len;
            return s;
        }

        private int readVarint() {
            int shift = 0, v = 0;
            while (true) {
                int b = d[p++] & 0xff;
                v |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) return v;
                shift += 7;
            }
        }
    }

    /** lowercase hex digit -> value; -1 for anything else (upper case included: such a cell is stored as text) */
    private static final byte[] HEX_VAL = new byte[128];
    static {
        Arrays.fill(HEX_VAL, (byte) -1);
        for (int i = 0; i < 16; i++) HEX_VAL[HEX[i]] = (byte) i;
    }

    static boolean isLowerHex64(String v) {
        if (v.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char ch = v.charAt(i);
            if (ch >= 128 || HEX_VAL[ch] < 0) return false;
        }
        return true;
    }

    private static int varintLength(int v) {
        int n = 1;
        while ((v & ~0x7f) != 0) { n++; v >>>= 7; }
        return n;
    }

    private static int putInt(byte[] o, int p, int v) {
        o[p] = (byte) (v >>> 24); o[p + 1] = (byte) (v >>> 16); o[p + 2] = (byte) (v >>> 8); o[p + 3] = (byte) v;
        return p + 4;
    }

    private static int putVarint(byte[] o, int p, int v) {
        while ((v & ~0x7f) != 0) { o[p++] = (byte) ((v & 0x7f) | 0x80); v >>>= 7; }
        o[p++] = (byte) v;
        return p;
    }
}
