package com.metaaudiencesync.intake;

import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;

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
    private final char[] chunk = new char[8192];
    private int chunkPos, chunkLen;
    /** the current line (with its line break), copied in ranges, never char by char */
    private char[] line = new char[256];
    private int lineLen;
    private int outPos;
    private boolean eof;

    LineLimitReader(Reader in, int maxLineChars) {
        this.in = in;
        this.max = maxLineChars;
    }

    /** Loads the next line (with its line break) into {@code line}; false at end of input. */
    private boolean fill() throws IOException {
        if (eof) return false;
        lineLen = 0;
        outPos = 0;
        boolean tooLong = false, newline = false;
        while (true) {
            if (chunkPos == chunkLen) {
                chunkLen = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                if (chunkLen <= 0) { chunkLen = 0; eof = true; break; }
            }
            int i = chunkPos;
            while (i < chunkLen && chunk[i] != '\n') i++;
            newline = i < chunkLen;
            int end = newline ? i + 1 : chunkLen;
            int n = end - chunkPos;
            if (!tooLong) {
                if (lineLen + n - (newline ? 1 : 0) > max) {
                    tooLong = true;
                } else {
                    if (lineLen + n > line.length) line = Arrays.copyOf(line, Math.max(2 * line.length, lineLen + n));
                    System.arraycopy(chunk, chunkPos, line, lineLen, n);
                    lineLen += n;
                }
            }
            chunkPos = end;
            if (newline) break;
        }
        if (tooLong) {
            String marker = newline ? TOO_LONG + "\n" : TOO_LONG;
            if (line.length < marker.length()) line = new char[Math.max(256, marker.length())];
            marker.getChars(0, marker.length(), line, 0);
            lineLen = marker.length();
        }
        return lineLen > 0 || !eof;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (outPos >= lineLen) {
            if (!fill()) return -1;
        }
        int total = 0;
        while (true) {
            int n = Math.min(len - total, lineLen - outPos);
            System.arraycopy(line, outPos, buf, off + total, n);
            outPos += n;
            total += n;
            // while more text is already in memory, hand out the next lines too: one call per buffer, not per line
            if (total == len || chunkPos >= chunkLen || !fill()) return total;
        }
    }

    @Override
    public void close() throws IOException { in.close(); }
}
