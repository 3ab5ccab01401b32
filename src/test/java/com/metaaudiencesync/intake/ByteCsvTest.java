package com.metaaudiencesync.intake;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins {@link ByteCsv} to the reader it replaced (Jackson's CSV parser, {@link JacksonCsvReference}): the same
 * records, line numbers, per-record rejections and file-stopping errors, on edge cases and on random input, read
 * whole or a few bytes at a time (so every buffer boundary is crossed).
 */
class ByteCsvTest {

    /** what a reader gives for an input: one line per record, then the error that stopped it, if any */
    static List<String> outcome(RecordReader r) {
        List<String> out = new ArrayList<>();
        try (r) {
            SourceRecord rec;
            while ((rec = r.next()) != null) {
                out.add("line " + rec.line() + (rec.error() != null ? " rejected " + rec.error() : " " + Arrays.toString(rec.values())));
            }
        } catch (IOException e) {
            out.add("stopped at line " + r.line());
        }
        return out;
    }

    static List<String> viaBytes(byte[] in, int chunk) {
        try {
            return outcome(new ByteCsv(chunk <= 0 ? new ByteArrayInputStream(in) : trickle(in, chunk)));
        } catch (IOException e) {
            return List.of("unreadable: " + e.getMessage());
        }
    }

    static List<String> viaJackson(byte[] in) {
        try {
            return outcome(JacksonCsvReference.open(new ByteArrayInputStream(in)));
        } catch (IOException e) {
            return List.of("unreadable: " + e.getMessage());
        }
    }

    /** a stream that hands out at most {@code chunk} bytes per read */
    static InputStream trickle(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override public synchronized int read(byte[] b, int off, int len) { return super.read(b, off, Math.min(len, chunk)); }
        };
    }

    static void assertSameAsJackson(byte[] in) {
        List<String> expected = viaJackson(in);
        for (int chunk : new int[]{0, 1, 2, 7}) {
            assertThat(viaBytes(in, chunk)).as("input %s read %s bytes at a time", show(in), chunk == 0 ? "all" : chunk).isEqualTo(expected);
        }
    }

    static String show(byte[] in) {
        return new String(in, StandardCharsets.UTF_8).replace("\r", "\\r").replace("\n", "\\n");
    }

    @Test
    void edgeCasesGiveTheSameRecordsLinesAndErrorsAsJackson() {
        String[] cases = {
                "h1,h2\na,b\n", "h1,h2\r\na,b\r\nc,d", "h1,h2\ra,b\rc,d\r", "h1,h2\n\"a\nx\",b\nc,d\n",
                "h1,h2\n\"a\"\"q\",b\n", "h1,h2\nab\"c,d\n", "h1,h2\n\"ab\"cd,e\n", "h1,h2\n \"ab\",e\n", "h1,h2\n\"ab\" ,e\n",
                "h1,h2\n\"ab\"\t,e\n", "h1,h2\n\na,b\n\n\nc,d\n", "h1,h2\na,b,\n", "h1,h2\na\n", "h1,h2\n   \n",
                "h1,h2\n\"unclosed,b\nc,d\n", "h1,h2\n\"a\r\nx\",b\nc,d\n", " h1 , h2 \na,b\n", "h1,h2\na,\"\"\n", "h1,h2\n\"\",b\n",
                "h1,h2\na,b\"\n", "h1,h2\n\"a\"\n", "h1,h2\n\"a\"\"\",b\n", "h1,h2\na,b\n\"", "h1,h2\n,\n", "h1,h2\n\"ab\"  \n",
                "h1,h2\n\"ab\"\r\n", "h1,h2\na,b\n\"x\",\"y\" ", "h1,h2\n\"a\"\"\" x,b\n", "h1,h2\n\u00e9,\"\u00fc\"\n", "\"h1\nq\",h2\na,b\nc,d\n",
                "h1,h2\n\"a\rb\",c\nd,e\n", "h1,h2\n\"a\r\",c\r\nd,e\r", "h1,h2\na,b", "h1,h2\na,", "h1,h2\n\"\"\n", "h1,h2\n\"\"\"\"\n",
                "h1", "h1\n", "", "\n", "\n\nh1,h2\n", ",\na,b\n", "h1,h2\nhé\uFFFDllo,b\n", "h1,h2\na,\"b\"\"\"\"c\"\n",
                "h1,h2\r\n\r\na,b\r\n\r\n", "h1,h2\n\"a,b\",c\n\"x\ny\nz\",w\nq,r\n",
        };
        for (String c : cases) assertSameAsJackson(c.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void invalidUtf8IsRejectedPerRecordAsBefore() {
        byte[] in = concat("h1,h2\na,b\n".getBytes(StandardCharsets.UTF_8), new byte[]{'x', (byte) 0xE2, ',', 'y', '\n', (byte) 0xC3},
                "\"q\",z\nc,d\n".getBytes(StandardCharsets.UTF_8));
        assertSameAsJackson(in);
        assertThat(viaBytes(in, 0)).containsExactly("line 2 [a, b]", "line 3 rejected invalid_utf8", "line 4 rejected invalid_utf8", "line 5 [c, d]");
    }

    @Test
    void randomInputGivesTheSameRecordsAsJackson() {
        String[] atoms = {"a", "bc", "\u00e9", "\u20ac", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "\t", "x@y.com", "+1 (212) 555-0100"};
        Random r = new Random(20261124);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder("h1,h2,h3\n");
            int len = r.nextInt(40);
            for (int k = 0; k < len; k++) sb.append(atoms[r.nextInt(atoms.length)]);
            assertSameAsJackson(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aLineOverTheLimitIsRejectedAloneAndTheNextLinesAreRead() {
        int max = RecordReaders.MAX_LINE_CHARS;
        String longCell = "x".repeat(max + 10);
        for (String longLine : new String[]{longCell + ",b", "a," + longCell, "\"" + longCell + "\",b", "a,b," + "c,".repeat(max / 2)}) {
            byte[] in = ("h1,h2\na,b\n" + longLine + "\nc,d\n\"q\nr\",s\ne,f\n").getBytes(StandardCharsets.UTF_8);
            List<String> got = viaBytes(in, 0);
            assertThat(got).as(longLine.substring(0, 5)).containsExactly("line 2 [a, b]", "line 3 rejected line_too_long", "line 4 [c, d]", "line 5 [q\nr, s]", "line 7 [e, f]");
            assertThat(viaJackson(in)).isEqualTo(got);
        }
        // exactly at the limit it is an ordinary (ragged) record
        String atLimit = "y".repeat(max);
        assertThat(viaBytes(("h1\n" + atLimit + "\nz\n").getBytes(StandardCharsets.UTF_8), 0)).containsExactly("line 2 [" + atLimit + "]", "line 3 [z]");
    }

    @Test
    void aTooLongLineIsNotHeldInMemory() throws IOException {
        // 64 MB of one line, streamed: the reader skips it with a bounded buffer and goes on
        long size = 64L << 20;
        InputStream huge = new InputStream() {
            final byte[] head = "h1,h2\n".getBytes(StandardCharsets.US_ASCII);
            final byte[] tail = "\nc,d\n".getBytes(StandardCharsets.US_ASCII);
            long p;

            @Override public int read() {
                long i = p++;
                if (i < head.length) return head[(int) i];
                i -= head.length;
                if (i < size) return 'z';
                i -= size;
                return i < tail.length ? tail[(int) i] : -1;
            }

            @Override public int read(byte[] b, int off, int len) {
                int n = 0;
                while (n < len) {
                    int c = read();
                    if (c < 0) break;
                    b[off + n++] = (byte) c;
                }
                return n == 0 ? -1 : n;
            }
        };
        long before = usedHeap();
        List<String> got = outcome(new ByteCsv(huge));
        assertThat(got).containsExactly("line 2 rejected line_too_long", "line 3 [c, d]");
        assertThat(usedHeap() - before).as("heap growth while skipping a 64 MB line").isLessThan(32L << 20);
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
