package com.metaaudiencesync.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens a stream as CSV (RFC 4180, header row), NDJSON/JSONL or a JSON array, optionally gzipped, chosen by
 * the name's extension. CSV is read from its bytes by {@link ByteCsv}; JSON by Jackson's streaming parser.
 * Memory does not grow with the file.
 */
public final class RecordReaders {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory JSON_FACTORY = JSON.getFactory();
    /** a replacement char in a value means the bytes were not valid UTF-8 */
    static final char BAD_UTF8 = '\uFFFD';
    /** longest physical line of a CSV (bytes) or NDJSON (characters) file read into memory; a longer one is rejected alone (line_too_long) */
    public static final int MAX_LINE_CHARS = 1 << 20;

    private RecordReaders() {}

    public enum Format { CSV, NDJSON, JSON }

    /** Thrown when a source cannot be read at all (not gzip, binary, empty, not an array...). */
    public static class UnreadableException extends IOException {
        public UnreadableException(String m) { super(m); }
    }

    public static boolean supported(String name) { return format(name) != null; }

    public static Format format(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        if (n.endsWith(".csv")) return Format.CSV;
        if (n.endsWith(".ndjson") || n.endsWith(".jsonl")) return Format.NDJSON;
        if (n.endsWith(".json")) return Format.JSON;
        return null;
    }

    public static RecordReader open(InputStream raw, String name) throws IOException {
        Format f = format(name);
        if (f == null) throw new UnreadableException("unsupported file type (use .csv, .ndjson, .jsonl or .json, optionally .gz)");
        return open(raw, f, name.toLowerCase(Locale.ROOT).endsWith(".gz"));
    }

    public static RecordReader open(InputStream raw, Format f, boolean gzip) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        if (gzip) {
            in.mark(2);
            int b1 = in.read(), b2 = in.read();
            in.reset();
            if (b1 != 0x1f || b2 != 0x8b) throw new UnreadableException("file name ends in .gz but the content is not gzip");
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        in.mark(8192);
        byte[] head = in.readNBytes(8192);
        in.reset();
        if (head.length == 0) throw new UnreadableException("empty file");
        int start = head.length >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF ? 3 : 0;
        for (int i = start; i < head.length; i++) {
            if (head[i] == 0) throw new UnreadableException("binary content (NUL bytes), not a text " + f + " file");
        }
        boolean allBlank = true;
        for (int i = start; i < head.length && allBlank; i++) allBlank = Character.isWhitespace(head[i]);
        if (allBlank && head.length < 8192) throw new UnreadableException("empty file (only whitespace)");
        if (start == 3) in.skipNBytes(3);
        return switch (f) {
            case CSV -> new ByteCsv(in);
            case NDJSON -> new Ndjson(new BufferedReader(new LineLimitReader(reader(in), MAX_LINE_CHARS), 1 << 16));
            case JSON -> new JsonArray(in);
        };
    }

    private static Reader reader(InputStream in) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new InputStreamReader(in, dec);
    }

    static final class Ndjson implements RecordReader {
        private final BufferedReader r;
        private long line;

        Ndjson(BufferedReader r) { this.r = r; }

        @Override public SourceRecord next() throws IOException {
            String s;
            while ((s = r.readLine()) != null) {
                line++;
                if (s.isBlank()) continue;
                if (s.equals(LineLimitReader.TOO_LONG)) return SourceRecord.bad(line, "line_too_long");
                if (s.indexOf(BAD_UTF8) >= 0) return SourceRecord.bad(line, "invalid_utf8");
                try (JsonParser p = JSON_FACTORY.createParser(s)) {
                    if (p.nextToken() != JsonToken.START_OBJECT) return SourceRecord.bad(line, "not_a_json_object");
                    return object(p, line);
                } catch (JsonProcessingException e) {
                    return SourceRecord.bad(line, "invalid_json");
                }
            }
            return null;
        }

        @Override public long line() { return line; }
        @Override public void close() throws IOException { r.close(); }
    }

    static final class JsonArray implements RecordReader {
        private final JsonParser p;
        private long index;

        JsonArray(InputStream in) throws IOException {
            p = JSON_FACTORY.createParser(in);
            JsonToken t;
            try {
                t = p.nextToken();
            } catch (JsonProcessingException e) {
                throw new UnreadableException(describe(e, "not valid JSON"));
            }
            if (t != JsonToken.START_ARRAY) throw new UnreadableException("a .json file must hold a JSON array of objects (use .ndjson for one object per line)");
        }

        @Override public SourceRecord next() throws IOException {
            try {
                JsonToken t = p.nextToken();
                if (t == null) throw new IOException("JSON array is not closed (truncated file?)");
                if (t == JsonToken.END_ARRAY) return null;
                index++;
                long l = p.currentLocation().getLineNr();
                if (t != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    return SourceRecord.bad(l, "not_a_json_object");
                }
                return object(p, l);
            } catch (JsonProcessingException e) {
                long at = e.getLocation() != null && e.getLocation().getLineNr() > 0 ? e.getLocation().getLineNr() : line();
                throw new IOException(describe(e, "JSON could not be parsed near line " + at), e);
            }
        }

        @Override public long line() { return p.currentLocation().getLineNr(); }
        @Override public void close() throws IOException { p.close(); }
    }

    /** Reads one JSON object's scalar fields and arrays of scalars; nested objects are ignored. */
    static SourceRecord object(JsonParser p, long line) throws IOException {
        List<String> names = new ArrayList<>(16);
        List<Object> values = new ArrayList<>(16);
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.START_ARRAY) {
                List<String> list = new ArrayList<>(2);
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (e == JsonToken.START_OBJECT || e == JsonToken.START_ARRAY) p.skipChildren();
                    else if (e != JsonToken.VALUE_NULL) list.add(p.getText());
                }
                names.add(name);
                values.add(list);
            } else if (v == JsonToken.START_OBJECT) {
                p.skipChildren();
            } else {
                names.add(name);
                values.add(v == JsonToken.VALUE_NULL ? null : p.getText());
            }
        }
        if (t != JsonToken.END_OBJECT) throw new IOException("malformed JSON object at line " + line);
        return new SourceRecord(line, names.toArray(new String[0]), values.toArray(), null);
    }

    /** Map form of a record (webhooks and tests). */
    public static SourceRecord fromMap(long line, Map<String, Object> m) {
        String[] names = new String[m.size()];
        Object[] values = new Object[m.size()];
        int i = 0;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            names[i] = e.getKey();
            Object v = e.getValue();
            if (v instanceof List<?> l) {
                List<String> s = new ArrayList<>(l.size());
                for (Object o : l) if (o != null && !(o instanceof Map)) s.add(String.valueOf(o));
                v = s;
            } else if (v instanceof Map) {
                v = null;
            } else if (v != null) {
                v = String.valueOf(v);
            }
            values[i++] = v;
        }
        return new SourceRecord(line, names, values, null);
    }

    /**
     * A reason for a report or log line: what went wrong, never the data. Parser messages quote the offending
     * token ("Unrecognized token 'jane': ...") and that token can be a raw email or name, so quoted parts are cut.
     */
    static String describe(Throwable e, String prefix) {
        String where = prefix.contains(" line ") ? " near line " + prefix.substring(prefix.lastIndexOf(" line ") + 6) : "";
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (c instanceof EOFException || (m != null && m.contains("Unexpected end of ZLIB"))) {
                return "truncated gzip file (unexpected end of data)" + where;
            }
            if (c instanceof ZipException) return "corrupt gzip data" + where;
        }
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : cause(e);
        if (m == null) m = e.getClass().getSimpleName();
        m = m.replaceAll("'[^']*'", "'…'").replaceAll("\"[^\"]*\"", "\"…\"");
        int nl = m.indexOf('\n');
        if (nl > 0) m = m.substring(0, nl);
        if (m.length() > 200) m = m.substring(0, 200);
        return prefix + ": " + m;
    }

    private static String cause(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) c = c.getCause();
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : (m.length() > 200 ? m.substring(0, 200) : m);
    }
}
