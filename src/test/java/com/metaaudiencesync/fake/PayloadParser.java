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
    static Payload parseObject(JsonParser p) throws IOException {
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
                readRows(p, out);
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
