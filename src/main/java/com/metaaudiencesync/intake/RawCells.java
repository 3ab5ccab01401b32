package com.metaaudiencesync.intake;

import java.nio.charset.StandardCharsets;

/**
 * A CSV record's cells as bytes, one array for the whole record: the reading thread only cuts the record, the
 * thread that maps it makes the Strings it needs (in its own cache, and none for ignored columns). Cells that
 * are not plain ASCII are decoded by the reader already (it must check them for invalid UTF-8).
 */
public final class RawCells {
    private final byte[] bytes;
    /** cell i is bytes[i == 0 ? 0 : ends[i - 1] .. ends[i]) */
    private final int[] ends;
    /** the cells the reader decoded (non-ASCII), or null when every cell is ASCII */
    private final String[] decoded;

    RawCells(byte[] bytes, int[] ends, String[] decoded) {
        this.bytes = bytes;
        this.ends = ends;
        this.decoded = decoded;
    }

    public int size() { return ends.length; }

    public String get(int i) {
        if (decoded != null && decoded[i] != null) return decoded[i];
        int from = i == 0 ? 0 : ends[i - 1];
        return new String(bytes, from, ends[i] - from, StandardCharsets.ISO_8859_1);
    }

    public Object[] toArray() {
        Object[] a = new Object[ends.length];
        for (int i = 0; i < a.length; i++) a[i] = get(i);
        return a;
    }
}
