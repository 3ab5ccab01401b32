package com.metaaudiencesync.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A batch's stored bytes ({@link BatchCodec} form) as a sequence of blocks of at most {@value #BLOCK} bytes, so a
 * multi-megabyte batch is never one huge array (G1 allocates those straight in the old generation). Immutable once built.
 */
public final class Payload {
    /** block size: far below G1's humongous threshold for any heap size (half of the smallest, 1 MB, region) */
    public static final int BLOCK = 1 << 16;

    private final byte[][] blocks;
    private final int[] lengths;
    private final int length;

    /** A block of {@value #BLOCK} bytes for a new payload. */
    static byte[] newBlock() { return new byte[BLOCK]; }

    private Payload(byte[][] blocks, int[] lengths, int length) {
        this.blocks = blocks;
        this.lengths = lengths;
        this.length = length;
    }

    /** A payload over one array (not copied: the caller gives it up). */
    public static Payload of(byte[] bytes) {
        return new Payload(new byte[][]{bytes}, new int[]{bytes.length}, bytes.length);
    }

    /** blocks (each used up to its length) — package-private: the builder and the reader */
    static Payload ofBlocks(byte[][] blocks, int[] lengths) {
        long n = 0;
        for (int l : lengths) n += l;
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("payload too large: " + n);
        return new Payload(blocks, lengths, (int) n);
    }

    /** Reads exactly {@code length} bytes of {@code in} into blocks. */
    public static Payload read(InputStream in, long length) throws IOException {
        if (length < 0 || length > Integer.MAX_VALUE - 16) throw new IOException("payload length out of range: " + length);
        int n = (int) length;
        int count = Math.max(1, (n + BLOCK - 1) / BLOCK);
        byte[][] blocks = new byte[count][];
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            int size = Math.min(BLOCK, n - i * BLOCK);
            byte[] b = size == BLOCK ? newBlock() : new byte[size];
            int off = 0;
            while (off < size) {
                int r = in.read(b, off, size - off);
                if (r < 0) throw new IOException("payload shorter than its length (" + (i * (long) BLOCK + off) + " of " + n + " bytes)");
                off += r;
            }
            blocks[i] = b;
            lengths[i] = size;
        }
        return new Payload(blocks, lengths, n);
    }

    public int length() { return length; }

    int blockCount() { return blocks.length; }

    byte[] block(int i) { return blocks[i]; }

    int blockLength(int i) { return lengths[i]; }

    /** byte at {@code index} (slow path: header and rows that cross a block boundary) */
    byte at(long index) {
        long i = index;
        for (int b = 0; b < blocks.length; b++) {
            if (i < lengths[b]) return blocks[b][(int) i];
            i -= lengths[b];
        }
        throw new IndexOutOfBoundsException("payload byte " + index + " of " + length);
    }

    /** The bytes as one array (a copy; for small payloads and tests). */
    public byte[] toArray() {
        if (blocks.length == 1 && lengths[0] == blocks[0].length) return blocks[0].clone();
        byte[] out = new byte[length];
        int p = 0;
        for (int i = 0; i < blocks.length; i++) {
            System.arraycopy(blocks[i], 0, out, p, lengths[i]);
            p += lengths[i];
        }
        return out;
    }

    public void writeTo(OutputStream out) throws IOException {
        for (int i = 0; i < blocks.length; i++) out.write(blocks[i], 0, lengths[i]);
    }

    /** The bytes as a stream over the blocks (no copy), e.g. to bind as a BLOB/bytea parameter. */
    public InputStream stream() {
        return new InputStream() {
            private int b, off;
            private final byte[] one = new byte[1];

            @Override public int read() { return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff; }

            @Override public int read(byte[] dst, int at, int len) {
                if (len == 0) return 0;
                while (b < blocks.length && off == lengths[b]) { b++; off = 0; }
                if (b == blocks.length) return -1;
                int n = Math.min(len, lengths[b] - off);
                System.arraycopy(blocks[b], off, dst, at, n);
                off += n;
                return n;
            }

            @Override public int available() {
                long left = 0;
                for (int i = b; i < blocks.length; i++) left += lengths[i] - (i == b ? off : 0);
                return (int) Math.min(Integer.MAX_VALUE, left);
            }
        };
    }

    /** Same bytes, however they are split into blocks. */
    @Override public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Payload p) || p.length != length) return false;
        return Arrays.equals(toArray(), p.toArray());
    }

    @Override public int hashCode() { return Arrays.hashCode(toArray()); }

    @Override public String toString() { return "Payload[" + length + " bytes in " + blocks.length + " blocks]"; }
}
