package com.metaaudiencesync.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Seeded random mutations of real sample inputs (a small fuzzer without a framework): byte flips, inserted
 * structural or hostile bytes, deleted, duplicated or swapped ranges, truncation, and spliced-in hostile tokens
 * (deep nesting, huge numbers, NUL, lone surrogates, invalid UTF-8, 5 000-character strings). The same seed
 * gives the same inputs, so a failure names the seed and iteration that reproduce it.
 */
public final class Mutator {
    private static final byte[] SPECIAL = "{}[]\",:\\\n\r\t 0-+.eE".getBytes(StandardCharsets.US_ASCII);
    private static final List<byte[]> TOKENS = List.of(
            "1e999999999".getBytes(StandardCharsets.US_ASCII),
            "-1e-999999999".getBytes(StandardCharsets.US_ASCII),
            "9".repeat(1500).getBytes(StandardCharsets.US_ASCII),
            "[".repeat(3000).getBytes(StandardCharsets.US_ASCII),
            "{\"a\":".repeat(1500).getBytes(StandardCharsets.US_ASCII),
            "\\u0000".getBytes(StandardCharsets.US_ASCII),
            "\\ud800".getBytes(StandardCharsets.US_ASCII),
            new byte[]{0},
            new byte[]{(byte) 0xC3, (byte) 0x28},
            new byte[]{(byte) 0xFF, (byte) 0xFE},
            new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
            ("\"" + "x".repeat(5000) + "\"").getBytes(StandardCharsets.US_ASCII),
            "null".getBytes(StandardCharsets.US_ASCII),
            "true".getBytes(StandardCharsets.US_ASCII),
            "\"audience\":\"".getBytes(StandardCharsets.US_ASCII),
            "\"action\":\"remove\"".getBytes(StandardCharsets.US_ASCII),
            "\"batch\":".getBytes(StandardCharsets.US_ASCII),
            "\"computation_key\":".getBytes(StandardCharsets.US_ASCII),
            "\"\"\"".getBytes(StandardCharsets.US_ASCII),
            "a@b".getBytes(StandardCharsets.US_ASCII),
            "+1 (650) 555-0100".getBytes(StandardCharsets.US_ASCII));

    private final Random random;

    public Mutator(long seed) { this.random = new Random(seed); }

    /** one to four mutations of {@code sample} */
    public byte[] mutate(byte[] sample) {
        byte[] b = sample;
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) b = once(b);
        return b;
    }

    private byte[] once(byte[] b) {
        int len = b.length;
        int at = len == 0 ? 0 : random.nextInt(len + 1);
        switch (random.nextInt(8)) {
            case 0 -> { // flip a byte
                if (len == 0) return b;
                byte[] c = b.clone();
                c[Math.min(at, len - 1)] = (byte) random.nextInt(256);
                return c;
            }
            case 1 -> { return splice(b, at, at, new byte[]{SPECIAL[random.nextInt(SPECIAL.length)]}); }
            case 2 -> { // delete a range
                int end = Math.min(len, at + 1 + random.nextInt(16));
                return splice(b, at, end, new byte[0]);
            }
            case 3 -> { // duplicate a range
                int end = Math.min(len, at + 1 + random.nextInt(64));
                byte[] part = slice(b, at, end);
                return splice(b, end, end, part);
            }
            case 4 -> { return slice(b, 0, at); } // truncate
            case 5 -> { return splice(b, at, at, TOKENS.get(random.nextInt(TOKENS.size()))); }
            case 6 -> { // replace a range with a hostile token
                int end = Math.min(len, at + 1 + random.nextInt(12));
                return splice(b, at, end, TOKENS.get(random.nextInt(TOKENS.size())));
            }
            default -> { // swap two ranges
                if (len < 4) return b;
                int a = random.nextInt(len / 2), k = 1 + random.nextInt(Math.max(1, len / 4));
                int c = len / 2 + random.nextInt(len - len / 2);
                int aEnd = Math.min(a + k, len / 2), cEnd = Math.min(c + k, len);
                ByteArrayOutputStream out = new ByteArrayOutputStream(len);
                out.write(b, 0, a);
                out.write(b, c, cEnd - c);
                out.write(b, aEnd, c - aEnd);
                out.write(b, a, aEnd - a);
                out.write(b, cEnd, len - cEnd);
                return out.toByteArray();
            }
        }
    }

    private static byte[] slice(byte[] b, int from, int to) {
        byte[] c = new byte[to - from];
        System.arraycopy(b, from, c, 0, to - from);
        return c;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
        out.write(b, 0, from);
        out.writeBytes(insert);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }

    /** how to reproduce a failing input in a message: seed, iteration and the bytes (samples hold no real data) */
    public static String describe(long seed, int iteration, byte[] input) {
        String shown = input.length > 2000 ? Base64.getEncoder().encodeToString(slice(input, 0, 2000)) + "…" : Base64.getEncoder().encodeToString(input);
        return "seed " + seed + " iteration " + iteration + " input (base64) " + shown;
    }
}
