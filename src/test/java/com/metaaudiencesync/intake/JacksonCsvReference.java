package com.metaaudiencesync.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static com.metaaudiencesync.intake.RecordReaders.BAD_UTF8;
import static com.metaaudiencesync.intake.RecordReaders.describe;

/**
 * The CSV reader the service used before {@link ByteCsv}: Jackson's CSV parser over a UTF-8 decoder (malformed
 * bytes replaced) and the line-length guard. Kept in the tests as the reference ByteCsv must agree with.
 */
final class JacksonCsvReference implements RecordReader {
    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

    static RecordReader open(InputStream in) throws IOException {
        var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new JacksonCsvReference(new LineLimitReader(new InputStreamReader(in, dec), RecordReaders.MAX_LINE_CHARS));
    }

    private final CsvParser parser;
    private String[] header;
    private long line;
    private long nextStart;
    /** the cells of the record being read (reused; a record's values are copied out) */
    private String[] cells = new String[16];

    JacksonCsvReference(Reader r) throws IOException {
        // the parser's tokens straight (START_ARRAY, one VALUE_STRING per cell, END_ARRAY): same records as
        // databind's String[] per row, without the deserializer in between
        this.parser = (CsvParser) CSV.createParser(r);
        // WRAP_AS_ARRAY: the records come inside one outer array, as databind's MappingIterator reads them
        JsonToken first = parser.nextToken();
        if (first != JsonToken.START_ARRAY) throw new RecordReaders.UnreadableException("empty file: no header row");
        int n = record();
        if (n < 0) throw new RecordReaders.UnreadableException("empty file: no header row");
        header = Arrays.copyOf(cells, n);
        for (int i = 0; i < header.length; i++) header[i] = header[i].trim();
        if (header.length == 0 || (header.length == 1 && header[0].isEmpty())) throw new RecordReaders.UnreadableException("no header row");
        for (String h : header) {
            if (h.indexOf(BAD_UTF8) >= 0) throw new RecordReaders.UnreadableException("header row is not valid UTF-8");
        }
        line = 1;
        nextStart = parser.currentLocation().getLineNr();
    }

    /** Reads the next record's cells into {@link #cells}; its cell count, -1 at the end. */
    private int record() throws IOException {
        JsonToken t = parser.nextToken();
        if (t == null || t == JsonToken.END_ARRAY) return -1; // the end of the outer array: the end of the file
        if (t != JsonToken.START_ARRAY) throw new IOException("unexpected CSV token " + t);
        int n = 0;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) throw new IOException("unexpected end of CSV record");
            if (n == cells.length) cells = Arrays.copyOf(cells, 2 * n);
            cells[n++] = t == JsonToken.VALUE_NULL ? null : parser.getText();
        }
        return n;
    }

    @Override public SourceRecord next() throws IOException {
        while (true) {
            try {
                // a record starts where the previous one ended (after reading, the parser stands on the next line;
                // a quoted value may span lines, so counting records would be wrong)
                int n = record();
                if (n < 0) return null;
                line = nextStart;
                nextStart = parser.currentLocation().getLineNr();
                String[] v = cells;
                if (n == 1 && v[0].isEmpty()) continue; // blank line
                for (int i = 0; i < n; i++) if (v[i].contains(LineLimitReader.TOO_LONG)) return SourceRecord.bad(line, "line_too_long");
                if (n != header.length) {
                    return SourceRecord.bad(line, "ragged_row");
                }
                Object[] values = new Object[n];
                for (int i = 0; i < n; i++) {
                    if (v[i].indexOf(BAD_UTF8) >= 0) return SourceRecord.bad(line, "invalid_utf8");
                    values[i] = v[i];
                }
                return new SourceRecord(line, header, values, null);
            } catch (RuntimeException e) {
                line = nextStart;
                throw new IOException(describe(e, "CSV could not be parsed at line " + nextStart), e);
            } catch (JsonProcessingException e) {
                // the record being read starts at nextStart; the parser's own location is often the end of the
                // file (an unclosed quote) or null (the stream under it failed, e.g. a truncated gzip)
                line = nextStart;
                throw new IOException(describe(e, "CSV could not be parsed at line " + nextStart), e);
            }
        }
    }

    @Override public long line() { return line; }
    @Override public void close() throws IOException { parser.close(); }
}
