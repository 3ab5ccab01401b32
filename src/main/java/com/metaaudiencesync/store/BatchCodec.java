package com.metaaudiencesync.store;

import com.metaaudiencesync.model.MetaKey;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    private BatchCodec() {}

    public static byte[] encode(List<String[]> rows) {
        int cells = MetaKey.COUNT;
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, rows.size() * 80));
        out.write(VERSION);
        writeInt(out, rows.size());
        writeInt(out, cells);
        byte[] hashBuf = new byte[32];
        for (String[] row : rows) {
            for (int c = 0; c < cells; c++) {
                String v = row[c];
                if (v == null || v.isEmpty()) {
                    out.write(0);
                } else if (isLowerHex64(v)) {
                    out.write(1);
                    for (int i = 0; i < 32; i++) {
                        hashBuf[i] = (byte) ((hexVal(v.charAt(2 * i)) << 4) | hexVal(v.charAt(2 * i + 1)));
                    }
                    out.write(hashBuf, 0, 32);
                } else {
                    out.write(2);
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    writeVarint(out, b.length);
                    out.write(b, 0, b.length);
                }
            }
        }
        return out.toByteArray();
    }

    public static List<String[]> decode(byte[] data) {
        Reader r = new Reader(data);
        int n = r.rowCount();
        List<String[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) rows.add(r.next());
        return rows;
    }

    public static int rowCount(byte[] data) { return new Reader(data).rowCount(); }

    /** Sequential decoder so a sender can stream rows into JSON without materialising the batch. */
    public static final class Reader {
        private final byte[] d;
        private int p;
        private final int rows;
        private final int cells;
        private int read;

        public Reader(byte[] data) {
            this.d = data;
            if (data.length < 9 || data[0] != VERSION) throw new IllegalArgumentException("not a batch payload");
            p = 1;
            rows = readInt();
            cells = readInt();
        }

        public int rowCount() { return rows; }
        public int cellCount() { return cells; }
        public boolean hasNext() { return read < rows; }

        public String[] next() {
            String[] row = new String[cells];
            for (int c = 0; c < cells; c++) row[c] = nextCell();
            read++;
            return row;
        }

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

        private int readInt() {
            int v = ((d[p] & 0xff) << 24) | ((d[p + 1] & 0xff) << 16) | ((d[p + 2] & 0xff) << 8) | (d[p + 3] & 0xff);
            p += 4;
            return v;
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

    static boolean isLowerHex64(String v) {
        if (v.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char ch = v.charAt(i);
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
        }
        return true;
    }

    private static int hexVal(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

    private static void writeInt(ByteArrayOutputStream o, int v) {
        o.write(v >>> 24); o.write(v >>> 16); o.write(v >>> 8); o.write(v);
    }

    private static void writeVarint(ByteArrayOutputStream o, int v) {
        while ((v & ~0x7f) != 0) { o.write((v & 0x7f) | 0x80); v >>>= 7; }
        o.write(v);
    }
}
