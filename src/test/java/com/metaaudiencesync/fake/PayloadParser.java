package com.metaaudiencesync.fake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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
        final java.util.Map<String, String> samples = new java.util.LinkedHashMap<>();
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
    static Payload parseObject(JsonParser p, boolean countOnly) throws IOException {
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
                if (countOnly && out.schema != null && !out.schemaIsString && !out.schema.isEmpty()) countRows(p, out);
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
        boolean[] hashed = new boolean[n], identity = new boolean[n];
        for (int i = 0; i < n; i++) {
            String k = schema.get(i);
            hashed[i] = !FakeGraphApi.UNHASHED_KEYS.contains(k) && !FakeGraphApi.DPO_KEYS.contains(k);
            identity[i] = !FakeGraphApi.DPO_KEYS.contains(k);
        }
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
