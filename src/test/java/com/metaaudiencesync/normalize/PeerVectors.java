package com.metaaudiencesync.normalize;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.metaaudiencesync.model.MetaKey;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Peers' test vectors (../shared/peer-vectors/all-field-vectors.csv, relative to the project directory) and how
 * our normalizer answers them. A vector's expectation, in wire terms: {@code hash} -> the cell is
 * {@code expected_sha256}; {@code passthrough} -> the cell is {@code expected_output}; {@code drop} and
 * {@code error} -> the cell is "" (we never throw for a bad field, we drop it).
 */
final class PeerVectors {
    static final Path CSV = Path.of("..", "shared", "peer-vectors", "all-field-vectors.csv");
    /** Number of vectors in the CSV when these tests were written; a changed file must be re-triaged. */
    static final int EXPECTED_TOTAL = 273;
    /** Peers' vectors carry no row country; we run them with no row country and no default region. */
    static final FieldNormalizer NORMALIZER = new FieldNormalizer();

    record Vector(String id, String field, String input, String expect, String expectedNormalized,
                  String expectedSha256, String expectedOutput, String config, String flags, String source) {

        /** The cell the peer expects on the wire. */
        String peerCell() {
            switch (expect) {
                case "hash": return expectedSha256.toLowerCase(Locale.ROOT);
                case "passthrough": return expectedOutput;
                case "drop": case "error": return "";
                default: throw new IllegalStateException("unknown expect '" + expect + "' in " + id);
            }
        }

        /** Our cell for the same input; null when the field is not one of our keys. */
        String ourCell() {
            MetaKey key;
            try {
                key = MetaKey.valueOf(field);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return NORMALIZER.cell(key, input, null);
        }

        boolean agrees() {
            String ours = ourCell();
            return ours != null && ours.equals(peerCell());
        }

        @Override public String toString() { return id + " " + field; }
    }

    private PeerVectors() {}

    static boolean available() { return Files.isReadable(CSV); }

    static String missingMessage() {
        return "!!! PEER VECTORS NOT FOUND at " + CSV.toAbsolutePath().normalize()
                + " - the peer-vector tests are SKIPPED, not passed !!!";
    }

    static List<Vector> load() {
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<Vector> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(CSV, StandardCharsets.UTF_8);
             MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class).with(schema).readValues(r)) {
            while (it.hasNext()) {
                Map<String, String> row = it.next();
                out.add(new Vector(row.get("id"), row.get("field"), row.get("input"), row.get("expect"),
                        row.get("expected_normalized"), row.get("expected_sha256"), row.get("expected_output"),
                        row.get("config"), row.get("flags"), row.get("source")));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + CSV, e);
        }
        return out;
    }
}
