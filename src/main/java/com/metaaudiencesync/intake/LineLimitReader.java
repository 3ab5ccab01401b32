package com.metaaudiencesync.intake;

import java.io.IOException;
import java.io.Reader;

/**
 * Passes text through line by line, holding at most {@code maxLineChars} of one line in memory: a longer line is
 * skipped to its end and replaced by the {@link #TOO_LONG} marker, so a 10 MB (or 10 GB) line costs neither memory
 * nor the rest of the file, and line numbers stay right (the line break is kept).
 */
final class LineLimitReader extends Reader {
    /** stands for a line that was too long; private-use characters that no real data carries */
    static final String TOO_LONG = "\uE000mas-line-too-long\uE000";

    private final Reader in;
    private final int max;
    private final StringBuilder line = new StringBuilder();
    private final char[] chunk = new char[8192];
    private int chunkPos, chunkLen;
    private String out = "";
    private int outPos;
    private boolean eof;

    LineLimitReader(Reader in, int maxLineChars) {
        this.in = in;
        this.max = maxLineChars;
    }

    private int nextChar() throws IOException {
        if (chunkPos == chunkLen) {
            chunkLen = in.read(chunk, 0, chunk.length);
            chunkPos = 0;
            if (chunkLen <= 0) { chunkLen = 0; return -1; }
        }
        return chunk[chunkPos++];
    }

    /** Loads the next line (with its line break) into {@code out}; false at end of input. */
    private boolean fill() throws IOException {
        if (eof) return false;
        line.setLength(0);
        boolean tooLong = false;
        int c;
        while ((c = nextChar()) >= 0) {
            if (!tooLong) {
                line.append((char) c);
                if (line.length() > max && c != '\n') { tooLong = true; line.setLength(0); }
            }
            if (c == '\n') break;
        }
        if (c < 0) eof = true;
        if (tooLong) {
            line.setLength(0);
            line.append(TOO_LONG);
            if (c == '\n') line.append('\n');
        }
        out = line.toString();
        outPos = 0;
        return !out.isEmpty() || !eof;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (outPos >= out.length()) {
            if (!fill()) return -1;
        }
        int n = Math.min(len, out.length() - outPos);
        out.getChars(outPos, outPos + n, buf, off);
        outPos += n;
        return n;
    }

    @Override
    public void close() throws IOException { in.close(); }
}
