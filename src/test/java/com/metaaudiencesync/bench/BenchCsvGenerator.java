package com.metaaudiencesync.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/**
 * Benchmark input: a realistic customer-list CSV (email, phone, first/last name, city, state, zip, country,
 * external id) with a few percent of bad values, from a fixed seed, streamed to disk (nothing is held in
 * memory). Values never contain commas or quotes, so the plain-Java {@link Baseline} can split lines.
 *
 * <p>{@code java -cp target/test-classes com.metaaudiencesync.bench.BenchCsvGenerator OUT.csv ROWS [SEED]}
 */
public final class BenchCsvGenerator {
    private static final String[] FIRST = {"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
            "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Chloé", "José",
            "Mary-Ann", "O'Neil", "Zoë", "Liam", "Olivia", "Noah", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Lucas"};
    private static final String[] LAST = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
            "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
            "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramirez", "Lewis", "Robinson", "Van Dyke", "O'Brien"};
    private static final String[] CITY = {"New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia", "San Antonio",
            "San Diego", "Dallas", "San Jose", "Austin", "Jacksonville", "Fort Worth", "Columbus", "Charlotte", "Seattle",
            "Denver", "Boston", "El Paso", "Nashville", "Portland", "Las Vegas", "St. Louis", "Miami", "Atlanta"};
    private static final String[] STATE = {"NY", "CA", "IL", "TX", "AZ", "PA", "TX", "CA", "TX", "CA", "texas", "FL", "New York",
            "OH", "NC", "WA", "CO", "MA", "tx", "TN", "OR", "NV", "MO", "FL", "GA", "California", "District of Columbia"};
    private static final String[] DOMAIN = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
            "example.org", "comcast.net", "proton.me", "mail.co.uk"};
    private static final int[] AREA = {212, 213, 312, 415, 617, 206, 303, 305, 404, 512, 602, 702, 713, 214, 615, 503, 619, 408};

    private BenchCsvGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchCsvGenerator OUT.csv ROWS [SEED]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        long rows = Long.parseLong(args[1]);
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        write(out, rows, seed);
    }

    public static void write(Path out, long rows, long seed) throws IOException {
        Path tmp = out.resolveSibling(out.getFileName() + ".part");
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(256);
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8), 1 << 16)) {
            w.write("email,phone,first_name,last_name,city,state,zip,country,external_id\n");
            for (long i = 0; i < rows; i++) {
                sb.setLength(0);
                row(sb, rnd, i);
                sb.append('\n');
                w.append(sb);
            }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void row(StringBuilder sb, SplittableRandom r, long i) {
        String fn = FIRST[r.nextInt(FIRST.length)];
        String ln = LAST[r.nextInt(LAST.length)];
        int bad = r.nextInt(100); // ~1% each kind of bad value below
        // email
        if (r.nextInt(50) != 0) {
            if (r.nextInt(4) == 0) sb.append(' ');
            String local = (r.nextBoolean() ? fn : fn.toLowerCase()) + "." + ln.replace(" ", "").replace("'", "") + i;
            if (bad == 0) sb.append(local).append("-at-").append(DOMAIN[r.nextInt(DOMAIN.length)]);           // invalid email
            else sb.append(local).append('@').append(DOMAIN[r.nextInt(DOMAIN.length)]);
        }
        sb.append(',');
        // phone
        int country = r.nextInt(100); // 90 US, 6 GB, 4 DE
        if (r.nextInt(20) != 0) {
            if (bad == 1) sb.append("12");                                                                          // invalid phone
            else if (country < 90) {
                int area = AREA[r.nextInt(AREA.length)];
                int ex = 200 + r.nextInt(800), line = r.nextInt(10000);
                switch (r.nextInt(4)) {
                    case 0 -> sb.append('(').append(area).append(") ").append(ex).append('-').append(pad4(line));
                    case 1 -> sb.append("+1 ").append(area).append(' ').append(ex).append(' ').append(pad4(line));
                    case 2 -> sb.append(area).append('-').append(ex).append('-').append(pad4(line));
                    default -> sb.append('1').append(area).append(ex).append(pad4(line));
                }
            } else if (country < 96) sb.append("+44 20 7946 ").append(pad4(r.nextInt(10000)));
            else sb.append("030 ").append(1000000 + r.nextInt(8999999));
        }
        sb.append(',');
        sb.append(fn).append(',');
        sb.append(bad == 2 ? "---" : ln).append(',');                                                              // invalid name
        sb.append(CITY[r.nextInt(CITY.length)]).append(',');
        if (country < 90) sb.append(bad == 3 ? "??" : STATE[r.nextInt(STATE.length)]);                           // invalid state
        sb.append(',');
        if (bad == 4) sb.append("#!");                                                                             // invalid zip
        else if (country < 90) {
            sb.append(pad5(r.nextInt(100000)));
            if (r.nextInt(5) == 0) sb.append('-').append(pad4(r.nextInt(10000)));
        } else if (country < 96) sb.append("SW1A ").append(1 + r.nextInt(9)).append("AA");
        else sb.append(pad5(10000 + r.nextInt(89999)));
        sb.append(',');
        if (bad == 5) sb.append("Narnia");                                                                         // invalid country
        else if (country < 90) sb.append(r.nextInt(3) == 0 ? "United States" : r.nextBoolean() ? "US" : "us");
        else if (country < 96) sb.append(r.nextBoolean() ? "GB" : "United Kingdom");
        else sb.append("DE");
        sb.append(',');
        sb.append("cus_").append(Long.toString(i * 2654435761L % 100_000_000_000L, 36));
    }

    private static String pad4(int v) { String s = Integer.toString(v); return "0000".substring(s.length()) + s; }
    private static String pad5(int v) { String s = Integer.toString(v); return "00000".substring(s.length()) + s; }
}
