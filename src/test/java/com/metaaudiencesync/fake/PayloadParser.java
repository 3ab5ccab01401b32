package com.metaaudiencesync.fake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Internal: streaming parser for the {@code payload} object ({@code {"schema":..., "data":[...], ...}}).
 * Uses Jackson's streaming {@link JsonParser}; no tree model.
 */
final class PayloadParser {

    static final JsonFactory JSON = new JsonFactory();

    /** Parsed payload; schema null when absent. Cells are text (arrays/objects become compact JSON text). */
    static final class Payload {
        List<String> schema;
        boolean schemaIsString;
        final List<String[]> rows = new ArrayList<>();
        boolean tooManyRows;
        /**
         * Count-only mode ({@link #parseObject(JsonParser, boolean)}): the rows were checked while being read (no
         * String per cell, none kept) and only what {@code FakeGraphApi.check} needs of them is here, worked out in
         * the same row order: the first row whose length differs from the schema's, the first row before it with
         * a cell that is not a hash (strict hashing refuses the request there), and the rows that would be counted
         * invalid (a cell that is not a hash, or no identifier) with the first 100 samples.
         */
        boolean counted;
        int countedRows;
        int mismatchRow = -1, mismatchLength;
        int firstBadRow = -1;
        String firstBadColumn;
        int invalid;
        final Map<String, String> samples = new LinkedHashMap<>();
    }

    private PayloadParser() {
    }

    /** Parses a payload from a JSON text (form-encoded style). */
    static Payload parse(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw GraphError.invalidParam("(#100) param payload must be a JSON object");
            }
            return parseObject(p);
        } catch (IOException e) {
            throw GraphError.invalidParam("(#100) Invalid parameter: payload is not valid JSON");
        }
    }

    /** Parses a payload object; the parser must be positioned on its START_OBJECT. Leaves it on END_OBJECT. */
    static Payload parseObject(JsonParser p) throws IOException { return parseObject(p, false); }

    /**
     * As {@link #parseObject(JsonParser)}; with {@code countOnly}, rows that follow a schema array are checked as
     * they are read instead of being kept ({@link Payload#counted}): the benchmark's fake validates 10 000-row
     * requests without a String per cell.
     */
    static Payload parseObject(JsonParser p, boolean countOnly) throws IOException { return parseObject(p, countOnly, null); }

    /**
     * As {@link #parseObject(JsonParser, boolean)}, for a body from {@link #spliceCounted}: the first data array
     * (there {@code []}) takes the rows counted from the original bytes.
     */
    static Payload parseObject(JsonParser p, boolean countOnly, Payload precounted) throws IOException {
        Payload out = new Payload();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("schema".equals(name)) {
                out.schema = new ArrayList<>();
                if (v == JsonToken.VALUE_STRING) {
                    out.schemaIsString = true;
                    out.schema.add(p.getText());
                } else if (v == JsonToken.START_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (p.currentToken() != JsonToken.VALUE_STRING) {
                            throw GraphError.invalidParam("(#100) Invalid parameter: schema entries must be strings");
                        }
                        out.schema.add(p.getText());
                    }
                } else {
                    throw GraphError.invalidParam("(#100) Invalid parameter: schema must be a string or an array");
                }
            } else if ("data".equals(name)) {
                if (v != JsonToken.START_ARRAY) {
                    throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema");
                }
                if (precounted != null) {
                    if (p.nextToken() != JsonToken.END_ARRAY) throw new IOException("spliced data array is not empty");
                    out.counted = true;
                    out.countedRows = precounted.countedRows;
                    out.tooManyRows = precounted.tooManyRows;
                    out.mismatchRow = precounted.mismatchRow;
                    out.mismatchLength = precounted.mismatchLength;
                    out.firstBadRow = precounted.firstBadRow;
                    out.firstBadColumn = precounted.firstBadColumn;
                    out.invalid = precounted.invalid;
                    out.samples.putAll(precounted.samples);
                    precounted = null; // a second data array (if any) is read as before
                } else if (countOnly && out.schema != null && !out.schemaIsString && !out.schema.isEmpty()) countRows(p, out);
                else readRows(p, out);
            } else {
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw GraphError.invalidParam("(#100) Invalid parameter: malformed payload");
        }
        return out;
    }

    /**
     * Count-only fast path for a JSON request body: when its {@code payload} object has a schema array followed by
     * a {@code data} array whose rows are arrays of plain strings (printable ASCII, no escapes), the rows are checked
     * straight from the bytes ({@link #countRaw}) instead of being tokenized by Jackson, which decoded every 64-digit
     * hash into chars first (most of the fake's CPU in the benchmark). Returns the body with that data array
     * replaced by {@code []} and the counts in {@link Spliced#counted}, which {@link #parseObject(JsonParser, boolean,
     * Payload)} takes when it meets the (now empty) array; or null when anything else is there (escapes, numbers,
     * nulls, nested values, non-ASCII text, malformed JSON), and the body is parsed as before. Either way the answer
     * is the same: {@code FakeGraphApiTest.countOnlyModeAnswersEveryRequestAsTheNormalModeDoes} pins it.
     */
    static Spliced spliceCounted(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (!"payload".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                if (v != JsonToken.START_OBJECT) return null;
                List<String> schema = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken fv = p.nextToken();
                    if ("schema".equals(f)) {
                        if (fv != JsonToken.START_ARRAY) return null;
                        schema = new ArrayList<>();
                        while (p.nextToken() == JsonToken.VALUE_STRING) schema.add(p.getText());
                        if (p.currentToken() != JsonToken.END_ARRAY || schema.isEmpty()) return null;
                    } else if ("data".equals(f)) {
                        if (fv != JsonToken.START_ARRAY || schema == null) return null;
                        long at = p.currentTokenLocation().getByteOffset();
                        if (at < 0 || at >= body.length || body[(int) at] != '[') return null;
                        Payload counted = new Payload();
                        counted.schema = schema;
                        int end = countRaw(body, (int) at, counted);
                        if (end < 0) return null;
                        byte[] out = new byte[body.length - (end - (int) at) + 2];
                        System.arraycopy(body, 0, out, 0, (int) at);
                        out[(int) at] = '[';
                        out[(int) at + 1] = ']';
                        System.arraycopy(body, end, out, (int) at + 2, body.length - end);
                        return new Spliced(out, counted);
                    } else {
                        p.skipChildren();
                    }
                }
                return null;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // the full parse reports what is wrong
        }
    }

    /** a body whose first payload data array was counted from its bytes and replaced by {@code []} */
    record Spliced(byte[] body, Payload counted) {}

    /** byte classes for {@link #countRaw}: 1 = lowercase hex digit, 2 = other plain character, 0 = '"', '\\', control or non-ASCII */
    private static final byte[] RAW = new byte[256];
    static {
        for (int b = 0x20; b < 0x7f; b++) RAW[b] = 2;
        for (char c : "0123456789abcdef".toCharArray()) RAW[c] = 1;
        RAW['"'] = 0;
        RAW['\\'] = 0;
    }

    private static int ws(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
        return i;
    }

    /**
     * Checks the rows of the data array that starts at {@code b[at] == '['} as {@link #countRows} does, into
     * {@code out} (its schema set); returns the index after the closing ']', or -1 when the array holds anything but
     * rows of plain strings or is not well-formed JSON (nothing is then decided here).
     */
    static int countRaw(byte[] b, int at, Payload out) {
        List<String> schema = out.schema;
        int n = schema.size();
        boolean[] hashed = hashedColumns(schema), identity = identityColumns(schema);
        int len = b.length;
        int i = ws(b, at + 1);
        if (i < len && b[i] == ']') {
            out.counted = true;
            return i + 1;
        }
        while (true) {
            if (i >= len || b[i] != '[') return -1; // a row that is not an array: Jackson's path decides it
            i = ws(b, i + 1);
            int cells = 0;
            boolean anyIdentity = false;
            String bad = null;
            if (i < len && b[i] == ']') {
                i++;
            } else {
                while (true) {
                    if (i >= len || b[i] != '"') return -1;
                    int s = ++i;
                    int kind;
                    if (s + 64 < len && b[s + 64] == '"' && hex64(b, s)) {
                        kind = HASH;
                        i = s + 65;
                    } else {
                        while (i < len && RAW[b[i] & 0xff] != 0) i++;
                        if (i >= len || b[i] != '"') return -1; // an escape, a control or non-ASCII character
                        kind = i == s ? EMPTY : OTHER;
                        i++;
                    }
                    int c = cells++;
                    if (c < n) {
                        if (identity[c] && kind != EMPTY) anyIdentity = true;
                        if (hashed[c] && kind == OTHER) bad = schema.get(c);
                    }
                    i = ws(b, i);
                    if (i >= len) return -1;
                    if (b[i] == ',') { i = ws(b, i + 1); continue; }
                    if (b[i] == ']') { i++; break; }
                    return -1;
                }
            }
            row(out, n, cells, anyIdentity, bad);
            i = ws(b, i);
            if (i >= len) return -1;
            if (b[i] == ',') { i = ws(b, i + 1); continue; }
            if (b[i] == ']') {
                out.counted = true;
                return i + 1;
            }
            return -1;
        }
    }

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH = 0x8080808080808080L;

    /** whether b[s..s+64) are 64 lowercase hex digits: 8 bytes at a time (each byte's range tested in its high bit) */
    static boolean hex64(byte[] b, int s) {
        long ok = HIGH, ascii = 0;
        for (int k = s; k < s + 64; k += 8) {
            long v = (long) LONGS.get(b, k);
            ascii |= v;
            // for bytes below 0x80 the additions carry into no other byte
            long digit = (v + 0x5050505050505050L) & ~(v + 0x4646464646464646L); // '0' <= x <= '9'
            long lower = (v + 0x1F1F1F1F1F1F1F1FL) & ~(v + 0x1919191919191919L); // 'a' <= x <= 'f'
            ok &= digit | lower;
        }
        return (ascii & HIGH) == 0 && ok == HIGH;
    }

    private static void readRows(JsonParser p, Payload out) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("truncated");
            }
            String[] row;
            if (t == JsonToken.START_ARRAY) {
                List<String> cells = new ArrayList<>(8);
                JsonToken c;
                while ((c = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (c == null) {
                        throw new IOException("truncated");
                    }
                    cells.add(cellText(p, c));
                }
                row = cells.toArray(new String[0]);
            } else {
                row = new String[] {cellText(p, t)};
            }
            if (out.rows.size() >= FakeGraphApi.MAX_ROWS_PER_REQUEST) {
                out.tooManyRows = true; // keep counting cheaply but do not keep more rows
                continue;
            }
            out.rows.add(row);
        }
    }

    private static void countRows(JsonParser p, Payload out) throws IOException {
        out.counted = true;
        List<String> schema = out.schema;
        int n = schema.size();
        boolean[] hashed = hashedColumns(schema), identity = identityColumns(schema);
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("truncated");
            }
            int cells = 0;
            boolean anyIdentity = false;
            String bad = null;
            if (t == JsonToken.START_ARRAY) {
                JsonToken c;
                while ((c = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (c == null) {
                        throw new IOException("truncated");
                    }
                    int i = cells++;
                    int kind = cellKind(p, c);
                    if (i < n) {
                        if (identity[i] && kind != EMPTY) anyIdentity = true;
                        if (hashed[i] && kind == OTHER) bad = schema.get(i);
                    }
                }
            } else {
                cells = 1;
                int kind = cellKind(p, t);
                if (identity[0] && kind != EMPTY) anyIdentity = true;
                if (hashed[0] && kind == OTHER) bad = schema.get(0);
            }
            row(out, n, cells, anyIdentity, bad);
        }
    }

    /** per column: must hold a hash (every key but the unhashed ones and the Limited Data Use options) */
    private static boolean[] hashedColumns(List<String> schema) {
        boolean[] b = new boolean[schema.size()];
        for (int i = 0; i < b.length; i++) b[i] = !FakeGraphApi.UNHASHED_KEYS.contains(schema.get(i)) && !FakeGraphApi.DPO_KEYS.contains(schema.get(i));
        return b;
    }

    /** per column: an identifier (every key but the Limited Data Use options) */
    private static boolean[] identityColumns(List<String> schema) {
        boolean[] b = new boolean[schema.size()];
        for (int i = 0; i < b.length; i++) b[i] = !FakeGraphApi.DPO_KEYS.contains(schema.get(i));
        return b;
    }

    /** one row's outcome, in order, as FakeGraphApi.check would decide it */
    private static void row(Payload out, int n, int cells, boolean anyIdentity, String bad) {
        int r = out.countedRows++;
        if (r >= FakeGraphApi.MAX_ROWS_PER_REQUEST) {
            out.tooManyRows = true;
            return;
        }
        if (out.mismatchRow >= 0) {
            return; // the request is refused at that row: later rows do not matter
        }
        if (cells != n) {
            out.mismatchRow = r;
            out.mismatchLength = cells;
            return;
        }
        if (bad != null && out.firstBadRow < 0) {
            out.firstBadRow = r;
            out.firstBadColumn = bad;
        }
        if (bad != null || !anyIdentity) {
            out.invalid++;
            if (out.samples.size() < 100) {
                out.samples.put(Integer.toString(r), bad != null ? "Invalid " + bad + " value" : "Empty row");
            }
        }
    }

    private static final int EMPTY = 0, HASH = 1, OTHER = 2;

    /** what a cell is for the checks: empty, a lowercase hex SHA-256, or anything else; nested values are consumed */
    private static int cellKind(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            int len = p.getTextLength();
            if (len == 0) return EMPTY;
            if (len != 64) return OTHER;
            return FakeGraphApi.isSha256Hex(p.getTextCharacters(), p.getTextOffset()) ? HASH : OTHER;
        }
        String text = cellText(p, t);
        return text.isEmpty() ? EMPTY : FakeGraphApi.isSha256Hex(text) ? HASH : OTHER;
    }

    private static String cellText(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
            case VALUE_TRUE:
            case VALUE_FALSE:
                return p.getText();
            case VALUE_NULL:
                return "";
            case START_ARRAY:
            case START_OBJECT:
                return compact(p, t);
            default:
                throw new IOException("unexpected token " + t);
        }
    }

    /** Compact JSON text of a nested array/object (used for DATA_PROCESSING_OPTIONS cells like ["LDU"]). */
    private static String compact(JsonParser p, JsonToken start) throws IOException {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        JsonToken t = start;
        boolean needComma = false;
        do {
            switch (t) {
                case START_ARRAY:
                case START_OBJECT:
                    if (needComma) sb.append(',');
                    sb.append(t == JsonToken.START_ARRAY ? '[' : '{');
                    depth++;
                    needComma = false;
                    break;
                case END_ARRAY:
                case END_OBJECT:
                    sb.append(t == JsonToken.END_ARRAY ? ']' : '}');
                    depth--;
                    needComma = true;
                    break;
                case FIELD_NAME:
                    if (needComma) sb.append(',');
                    sb.append('"').append(p.getText()).append("\":");
                    needComma = false;
                    break;
                case VALUE_STRING:
                    if (needComma) sb.append(',');
                    sb.append('"').append(p.getText()).append('"');
                    needComma = true;
                    break;
                default:
                    if (needComma) sb.append(',');
                    sb.append(p.getText());
                    needComma = true;
            }
            if (depth == 0) {
                break;
            }
            t = p.nextToken();
            if (t == null) {
                throw new IOException("truncated");
            }
        } while (true);
        return sb.toString();
    }
}
