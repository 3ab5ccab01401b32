package com.metaaudiencesync.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The least code that does the same work as the service's file path, single thread, no durability: read the
 * CSV, trim and lowercase, SHA-256 the same fields, write the same JSON batch bodies (10 000 rows, the
 * service's 15-key schema) to /dev/null. Prints rows and seconds.
 *
 * <p>{@code java -cp <test classpath> com.metaaudiencesync.bench.Baseline FILE.csv [OUT]}
 */
public final class Baseline {
    private static final String[] SCHEMA = {"EXTERN_ID", "EMAIL", "PHONE", "GEN", "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT", "ST", "ZIP", "COUNTRY", "MADID"};

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        HexFormat hex = HexFormat.of();
        JsonFactory json = new JsonFactory();
        long rows = 0;
        try (BufferedReader in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8);
             OutputStream sink = new FileOutputStream(args.length > 1 ? args[1] : "/dev/null")) {
            in.readLine(); // header: email,phone,first_name,last_name,city,state,zip,country,external_id
            String line;
            String[][] batch = new String[10_000][];
            int n = 0;
            while ((line = in.readLine()) != null) {
                String[] f = line.split(",", -1);
                String[] row = new String[15];
                Arrays.fill(row, "");
                row[0] = f[8].trim();
                row[1] = hash(md, hex, f[0].trim().toLowerCase(Locale.ROOT));
                row[2] = hash(md, hex, digits(f[1]));
                row[7] = hash(md, hex, f[3].trim().toLowerCase(Locale.ROOT));
                row[8] = hash(md, hex, f[2].trim().toLowerCase(Locale.ROOT));
                row[10] = hash(md, hex, f[4].trim().toLowerCase(Locale.ROOT));
                row[11] = hash(md, hex, f[5].trim().toLowerCase(Locale.ROOT));
                row[12] = hash(md, hex, f[6].trim().toLowerCase(Locale.ROOT));
                row[13] = hash(md, hex, f[7].trim().toLowerCase(Locale.ROOT));
                batch[n++] = row;
                rows++;
                if (n == batch.length) { write(json, sink, batch, n); n = 0; }
            }
            if (n > 0) write(json, sink, batch, n);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "baseline rows=%d seconds=%.3f rows_per_s=%.0f%n", rows, secs, rows / secs);
    }

    private static String digits(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= '0' && s.charAt(i) <= '9') sb.append(s.charAt(i));
        return sb.toString();
    }

    private static String hash(MessageDigest md, HexFormat hex, String s) {
        return s.isEmpty() ? "" : hex.formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static void write(JsonFactory json, OutputStream sink, String[][] batch, int n) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 21);
        try (JsonGenerator g = json.createGenerator(body)) {
            g.writeStartObject();
            g.writeObjectFieldStart("payload");
            g.writeArrayFieldStart("schema");
            for (String k : SCHEMA) g.writeString(k);
            g.writeEndArray();
            g.writeArrayFieldStart("data");
            for (int i = 0; i < n; i++) {
                g.writeStartArray();
                for (String c : batch[i]) g.writeString(c);
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        }
        body.writeTo(sink);
    }
}
