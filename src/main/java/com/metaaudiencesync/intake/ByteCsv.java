package com.metaaudiencesync.intake;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * CSV (RFC 4180, header row) read straight from its UTF-8 bytes: a cell becomes a String in one step (a Latin-1
 * copy when it is ASCII), with nothing in between.
 *
 * <p>Why not Jackson's CSV parser: it decodes every byte to chars and copies each line through its buffers,
 * on the one reading thread the rest of the pipeline waits for. The records, line numbers, rejections and
 * errors are the ones a Jackson-based reader gives; {@code ByteCsvTest} checks them against Jackson.
 *
 * <p>Rules (Jackson's, as configured before): separator {@code ,}; a cell starting with {@code "} is quoted,
 * {@code ""} inside it is a quote, and it may hold separators and line breaks; after the closing quote only
 * spaces or tabs may come before the separator or the end of the line, anything else is an error that stops
 * the file ("unexpected character after a closing quote"); a quote elsewhere is an ordinary character; a
 * record ends at {@code \n}, {@code \r\n} or a lone {@code \r}; the end of the file inside a quoted cell is an
 * error ("missing closing quote"). Line numbers count every line break, also those inside quoted cells. A
 * physical line ({@code \n} to {@code \n}) longer than {@link RecordReaders#MAX_LINE_CHARS} bytes is skipped
 * without being held in memory and its record is rejected alone ({@code line_too_long}); reading goes on with
 * the next line.
 */
final class ByteCsv implements RecordReader {
    private static final int MAX_LINE = RecordReaders.MAX_LINE_CHARS;

    private final InputStream in;
    private byte[] buf = new byte[1 << 16];
    private int pos, lim;
    private boolean eof;
    /** start of the bytes a refill must keep (the cell being read), or -1 */
    private int mark = -1;
    /** offset in the stream of buf[0] */
    private long base;
    /** offset in the stream where the current physical line starts (after the last \n) */
    private long lineStart;
    /** line number at pos */
    private long lineNo = 1;

    private final String[] header;

    /** the header row's names: the names array of every record of this file */
    public String[] header() { return header; }
    /** the record being read: its cells' bytes one after the other, where each ends, and whether it is ASCII (>= 0) */
    private byte[] rec = new byte[512];
    private int recLen;
    private int[] ends = new int[16];
    private int[] cellAscii = new int[16];
    private int n;
    /** a quoted cell's unescaped bytes */
    private byte[] q = new byte[256];
    private int qLen;
    private long recordLine;
    private boolean tooLong;
    private long line;

    ByteCsv(InputStream in) throws IOException {
        this.in = in;
        int k = record();
        if (k < 0) throw new RecordReaders.UnreadableException("empty file: no header row");
        if (tooLong) throw new RecordReaders.UnreadableException("header row longer than " + MAX_LINE + " bytes");
        String[] h = new String[k];
        for (int i = 0; i < k; i++) h[i] = new String(rec, start(i), ends[i] - start(i), StandardCharsets.UTF_8).trim();
        if (h.length == 0 || (h.length == 1 && h[0].isEmpty())) throw new RecordReaders.UnreadableException("no header row");
        for (String s : h) {
            if (s.indexOf(RecordReaders.BAD_UTF8) >= 0) throw new RecordReaders.UnreadableException("header row is not valid UTF-8");
        }
        header = h;
        line = 1;
    }

    @Override public SourceRecord next() throws IOException {
        while (true) {
            int k = record();
            if (k < 0) return null;
            line = recordLine;
            if (tooLong) return SourceRecord.bad(line, "line_too_long");
            if (k == 1 && ends[0] == 0) continue; // blank line
            if (k != header.length) return SourceRecord.bad(line, "ragged_row");
            String[] decoded = null;
            for (int i = 0; i < k; i++) {
                if (cellAscii[i] >= 0) continue;
                String v = new String(rec, start(i), ends[i] - start(i), StandardCharsets.UTF_8);
                if (v.indexOf(RecordReaders.BAD_UTF8) >= 0) return SourceRecord.bad(line, "invalid_utf8");
                if (decoded == null) decoded = new String[k];
                decoded[i] = v;
            }
            // the Strings of ASCII cells are made by the thread that maps the record (RawCells)
            return SourceRecord.ofCells(line, header, new RawCells(Arrays.copyOf(rec, recLen), Arrays.copyOf(ends, k), decoded));
        }
    }

    @Override public long line() { return line; }

    @Override public void close() throws IOException { in.close(); }

    private IOException error(String what) {
        line = recordLine;
        return new IOException("CSV could not be parsed at line " + recordLine + ": " + what);
    }

    /**
     * Reads more bytes, keeping buf[mark..lim) (moved to the front; {@link #pos} and {@link #mark} follow).
     * False at the end of the stream. A line that grows past the limit switches to skipping it.
     */
    private boolean refill() throws IOException {
        if (eof) return false;
        int keep = mark >= 0 ? mark : pos;
        if (keep > 0) {
            System.arraycopy(buf, keep, buf, 0, lim - keep);
            base += keep;
            lim -= keep;
            pos -= keep;
            if (mark >= 0) mark -= keep;
        } else if (lim == buf.length) {
            buf = Arrays.copyOf(buf, 2 * buf.length); // one cell longer than the buffer (bounded by the line limit)
        }
        int r = in.read(buf, lim, buf.length - lim);
        if (r <= 0) {
            if (r < 0) eof = true;
            else r = 0;
        }
        lim += Math.max(0, r);
        return r > 0 || (!eof && refill());
    }

    private long at(int i) { return base + i; }

    private boolean overLimit() { return at(pos) - lineStart > MAX_LINE; }

    private int start(int i) { return i == 0 ? 0 : ends[i - 1]; }

    /** Appends a cell's bytes to the record ({@code asciiOr}: the OR of its bytes, negative when not ASCII). */
    private void addCell(byte[] b, int from, int len, int asciiOr) {
        if (n == ends.length) {
            ends = Arrays.copyOf(ends, 2 * n);
            cellAscii = Arrays.copyOf(cellAscii, 2 * n);
        }
        if (rec.length - recLen < len) rec = Arrays.copyOf(rec, Math.max(2 * rec.length, recLen + len));
        System.arraycopy(b, from, rec, recLen, len);
        recLen += len;
        ends[n] = recLen;
        cellAscii[n++] = asciiOr;
    }

    /** A \n was consumed (at pos - 1): the physical line ends; it was too long if it passed the limit. */
    private void newline() {
        lineNo++;
        if (at(pos - 1) - lineStart > MAX_LINE) tooLong = true;
        lineStart = at(pos);
    }

    /** After a \r (consumed): a following \n belongs to the same line break (consumed too: true). */
    private boolean carriageReturn() throws IOException {
        if (pos == lim) {
            mark = -1;
            if (!refill()) { lineNo++; return false; }
        }
        if (buf[pos] == '\n') {
            pos++;
            newline(); // \r\n is one line break
            return true;
        }
        lineNo++;
        return false;
    }

    /** The record's physical line was too long and has ended: the record is reported alone. */
    private int tooLongRecord() {
        tooLong = true;
        n = 0;
        recLen = 0;
        return 1;
    }

    /** Reads one record into {@link #rec} and {@link #ends}; its cell count, or -1 at the end of the stream. */
    private int record() throws IOException {
        n = 0;
        recLen = 0;
        tooLong = false;
        recordLine = lineNo;
        mark = -1;
        if (pos == lim && !refill()) return -1;
        while (true) {
            if (tooLong || overLimit()) return skipLine();
            if (pos == lim) {
                mark = -1;
                if (!refill()) { addCell(rec, 0, 0, 0); return n; } // "a," at the end of the file: a last empty cell
            }
            if (buf[pos] == '"') {
                int end = quoted();
                if (end < 0) return skipLine();
                if (end == 2) return tooLongRecord();
                if (end == 1) return n;
                continue;
            }
            // unquoted cell: up to a separator or a line break
            mark = pos;
            int ascii = 0;
            while (true) {
                byte[] b = buf;
                int p = pos, l = lim;
                while (p < l) {
                    byte c = b[p];
                    if (c == ',' || c == '\n' || c == '\r') break;
                    ascii |= c;
                    p++;
                }
                pos = p;
                if (p < l) break;
                if (overLimit()) return skipLine();
                if (!refill()) {
                    addCell(buf, mark, pos - mark, ascii);
                    mark = -1;
                    return n; // end of the file ends the record
                }
            }
            addCell(buf, mark, pos - mark, ascii);
            mark = -1;
            byte c = buf[pos++];
            if (c == ',') continue;
            if (c == '\n') newline();
            else carriageReturn();
            return tooLong ? tooLongRecord() : n;
        }
    }

    /**
     * A quoted cell at pos: adds it, then consumes what follows it. Returns 0 when a separator followed (more
     * cells), 1 at the end of the record, -1 when the line grew too long (not ended yet), 2 when the record ended
     * with a line that was too long.
     */
    private int quoted() throws IOException {
        pos++;
        qLen = 0;
        int ascii = 0;
        while (true) {
            if (pos == lim) {
                mark = -1;
                if (!refill()) throw error("missing closing quote for value");
            }
            byte c = buf[pos++];
            if (c == '"') {
                if (pos == lim) {
                    mark = -1;
                    if (!refill()) break; // closing quote at the end of the file
                }
                if (buf[pos] == '"') { pos++; put(c); continue; }
                break;
            }
            if (c == '\n') {
                newline();
                if (tooLong) return 2; // the line that just ended was too long: the record ends with it
            } else if (c == '\r') {
                put(c);
                if (carriageReturn()) put((byte) '\n');
                if (tooLong) return 2;
                continue;
            }
            if (overLimit()) return -1;
            ascii |= c;
            put(c);
        }
        addCell(q, 0, qLen, ascii);
        // after the closing quote: spaces or tabs, then a separator, a line break or the end
        while (true) {
            if (pos == lim) {
                mark = -1;
                if (!refill()) return 1;
            }
            byte c = buf[pos++];
            if (c == ' ' || c == '\t') continue;
            if (c == ',') return 0;
            if (c == '\n') { newline(); return tooLong ? 2 : 1; }
            if (c == '\r') { carriageReturn(); return tooLong ? 2 : 1; }
            throw error("unexpected character after a closing quote (expected a comma or the end of the line)");
        }
    }

    private void put(byte c) {
        if (qLen == q.length) q = Arrays.copyOf(q, 2 * q.length);
        q[qLen++] = c;
    }

    /** The record is too long: skip to the end of its physical line and report it alone. */
    private int skipLine() throws IOException {
        tooLong = true;
        n = 0;
        recLen = 0;
        mark = -1;
        while (true) {
            while (pos < lim) {
                if (buf[pos++] == '\n') {
                    lineNo++;
                    lineStart = at(pos);
                    return 1;
                }
            }
            if (!refill()) return 1;
        }
    }
}
