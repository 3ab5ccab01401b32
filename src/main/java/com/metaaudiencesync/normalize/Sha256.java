package com.metaaudiencesync.normalize;

import org.apache.commons.codec.digest.DigestUtils;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Locale;

/** Lowercase hex SHA-256 of UTF-8 text, and recognition of values that already are one. Thread-safe. */
public final class Sha256 {
    /** per thread: the digest and a scratch buffer (one ThreadLocal lookup per hash) */
    private static final class Scratch {
        final MessageDigest md = DigestUtils.getSha256Digest();
        /** digest (0..31), hex (32..95), ASCII input (96..191) */
        final byte[] buf = new byte[192];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Sha256() {}

    /** Lowercase 64-hex SHA-256 of the UTF-8 bytes of {@code s}. */
    public static String hex(String s) {
        Scratch sc = SCRATCH.get();
        MessageDigest md = sc.md;
        md.reset();
        byte[] buf = sc.buf;
        int n = s.length();
        boolean ascii = n <= 64 + 32; // the scratch holds 96 bytes after the 32 of the digest and 64 of the hex
        for (int i = 0; ascii && i < n; i++) ascii = s.charAt(i) < 128;
        if (ascii) {
            for (int i = 0; i < n; i++) buf[96 + i] = (byte) s.charAt(i); // ASCII: these are the UTF-8 bytes
            md.update(buf, 96, n);
        } else {
            md.update(s.getBytes(StandardCharsets.UTF_8));
        }
        try {
            md.digest(buf, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < 32; i++) {
            int b = buf[i] & 0xff;
            buf[32 + 2 * i] = HEX[b >>> 4];
            buf[32 + 2 * i + 1] = HEX[b & 0xf];
        }
        return new String(buf, 32, 64, StandardCharsets.ISO_8859_1);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * A digest and scratch space owned by one thread, passed explicitly (no ThreadLocal lookup per hash): the
     * file path hashes straight into the stored form (32 raw bytes) without making a hex String.
     */
    public static final class Hasher {
        private final MessageDigest md = DigestUtils.getSha256Digest();
        private byte[] in = new byte[128];

        /** The 32-byte SHA-256 of the UTF-8 bytes of {@code s}, in a new array. */
        public byte[] digest(String s) {
            byte[] out = new byte[32];
            digest(s, out, 0);
            return out;
        }

        /** Writes the 32-byte SHA-256 of the UTF-8 bytes of {@code s} to {@code out[off..off+32)}. */
        public void digest(String s, byte[] out, int off) {
            MessageDigest md = this.md;
            int n = s.length();
            byte[] b = in;
            if (n > b.length) b = in = new byte[Math.max(n, 2 * b.length)];
            int i = 0;
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 128) break;
                b[i] = (byte) c; // ASCII: these are the UTF-8 bytes
            }
            if (i == n) {
                md.update(b, 0, n);
            } else {
                md.update(s.getBytes(StandardCharsets.UTF_8));
            }
            try {
                md.digest(out, off, 32);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Lowercase 64-hex form of a 32-byte digest. */
    public static String hex(byte[] digest) {
        byte[] h = new byte[64];
        for (int i = 0; i < 32; i++) {
            int b = digest[i] & 0xff;
            h[2 * i] = HEX[b >>> 4];
            h[2 * i + 1] = HEX[b & 0xf];
        }
        return new String(h, StandardCharsets.ISO_8859_1);
    }

    /** True when {@code s} is exactly 64 hex digits (either case). */
    public static boolean isHex64(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
        }
        return true;
    }

    /** {@code s} lowercased, assuming {@link #isHex64(String)}; returns the same instance when already lowercase. */
    static String lowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'F') return s.toLowerCase(Locale.ROOT);
        }
        return s;
    }
}
