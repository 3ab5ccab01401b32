package com.metaaudiencesync.intake;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A synthetic customer list for the start-up JIT warm-up ({@code com.metaaudiencesync.ops.JitWarmUp}): a CSV with
 * the usual columns (email, phone, first/last name, city, state, zip, country, external id) and the usual mess —
 * mixed phone formats and countries, accents, state names, ZIP+4 codes, quoted cells, empty and invalid values —
 * generated as it is read (no large array) and written by {@link #write} to a file of the warm-up's own temporary
 * inbox, which is then read as a real file is. Every value is made up: names from short lists and random
 * syllables, reserved example domains, numbers at random.
 */
public final class WarmUpData extends InputStream {
    /**
     * Writes warm-up file number {@code part} ({@code rows} rows, the column set {@code part} of {@link #SHAPES} in
     * turn) to {@code file}.
     */
    public static void write(java.nio.file.Path file, long rows, long seed, int part) throws java.io.IOException {
        try (WarmUpData d = new WarmUpData(rows, seed, SHAPES[part % SHAPES.length])) {
            java.nio.file.Files.copy(d, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static final String[] COLUMNS = {"email", "phone", "first_name", "last_name", "city", "state", "zip", "country", "gender", "dob", "external_id"};
    /**
     * the column sets of the warm-up's files, taken in turn: a column a file lacks is a branch of its own (an
     * absent value) that a warm-up with every column would never take
     */
    static final int[][] SHAPES = {
            {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
            {0, 1, 2, 3, 4, 5, 6, 7, 10},
            {0, 1, 2, 3, 6, 7},
            {0, 10},
            {1, 7, 2, 3},
    };
    // every kind of value a customer list brings, each often enough that the compiled code keeps its branch (a
    // branch the warm-up never took is left out of the optimized code, and the first real row that takes it sends
    // the method back to the interpreter and the compiler)
    private static final String[] FIRST = {"ana", "Ben", "CARLA", "Dmitri", "Élodie", "Farah", "Günther", "Hana", "Ivan", "Joëlle",
            "Kofi", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Søren", "Tomás", "Uma", "Victor", "Wen", "Yusuf",
            "Mary-Ann", "J.R.", "Łukasz", "Ærin", "Zoë", " Kai ", "李", "Иван", "محمد", "Ngọc", "O'Neil", "Anne Marie"};
    private static final String[] LAST = {"Abbott", "BAKER", "Castillo", "Dubois", "Eriksen", "fischer", "García", "Hughes", "Ibáñez",
            "Jansen", "Kowalski", "Lambert", "Müller", "Nakamura", "O'Connor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka",
            "De la Cruz", "Smith-Jones", "Straße", "Nguyễn", "王", "Смирнов", "van der Berg", "St. John"};
    private static final String[] CITY = {"Springfield", "Riverside", "franklin", "GREENVILLE", "Bristol", "Fair View", "Salem",
            "Madison", "St. Louis", "Winston-Salem", "\"Washington, D.C.\"", "Manchester", "München", "São Paulo", "Montréal",
            "Köln", "Zürich", "New York", "Coeur d'Alene", "Lyon", "12345"};
    private static final String[] STATE = {"CA", "NY", "TX", "FL", "WA", "IL", "ma", "Ohio", "georgia", "North Carolina", "new york",
            "DISTRICT OF COLUMBIA", "Nev.", "pa", "DC", "Puerto Rico", "ON", "Bavaria", "Île-de-France", "??"};
    /** made-up name parts: real lists have thousands of distinct names and cities, not a few dozen */
    private static final String[] SYLLABLE = {"ka", "ri", "to", "mel", "an", "dra", "vi", "lo", "ne", "sha", "bor", "gue", "ti", "ams",
            "el", "ro", "su", "win", "ha", "dé", "mar", "ko", "li", "ben"};
    private static final String[] TOWN = {"ville", "ton", " City", "burg", "field", " Springs", "-sur-Mer", "stadt", " Heights", "port"};
    private static final String[] BAD_PHONE = {"555", "n/a", "12", "1", "123-45", "0", "+1", "911", "(000) 000-0000", "1-800-FLOWERS",
            "+44", "00", "12345678901234567", "+999 123"};
    private static final String[] DOMAIN = {"example.com", "Example.NET", "example.org", "mail.example", "corp.example.co.uk"};
    private static final String[] COUNTRY_US = {"US", "us", "USA", "United States", "united states", "U.S.", "United States of America"};
    private static final String[][] ABROAD = { // country spellings, phones (national and international), zips
            {"GB", "United Kingdom", "UK", "gb"}, {"+44 7%3d %6d", "07%3d %6d", "+44 20 7946 %4d", "0044 20 7946 %4d"}, {"SW1A 1AA", "m1 %1dab", "EC1A %1dBB"},
            {"DE", "Germany", "DEU", "de"}, {"030 %7d", "+49 151 %7d", "0171 %7d", "0049 30 %7d"}, {"10115", "8%4d", "50667"},
            {"FR", "France", "fr"}, {"+33 6 %2d %2d %2d %2d", "06 %2d %2d %2d %2d", "01 %2d %2d %2d %2d"}, {"75001", "69%3d"},
            {"CA", "Canada"}, {"(416) %3d-%4d", "+1 604 %3d %4d", "1-514-%3d-%4d"}, {"K1A 0B1", "M5V %1dA%1d"},
            {"AU", "Australia"}, {"+61 4%2d %3d %3d", "04%2d %3d %3d", "(02) %4d %4d"}, {"2000", "3%3d"},
            {"IN", "India"}, {"+91 98%3d %5d", "098%3d%5d"}, {"110001", "400%3d"},
            {"BR", "Brazil", "Brasil"}, {"+55 11 9%4d-%4d", "(11) 9%4d-%4d"}, {"01310-100", "2%4d-%3d"},
            {"MX", "Mexico", "México"}, {"+52 55 %4d %4d", "55 %4d %4d"}, {"06600", "0%4d"},
            {"JP", "Japan"}, {"+81 90-%4d-%4d", "090-%4d-%4d"}, {"100-0001", "1%2d-%4d"},
            // numbers only libphonenumber's full parser takes (leading zero kept, transform rules, no fast-path rule):
            // a real list's share of them is enough for the JIT to compile that parser during a first large file
            {"IT", "Italy", "Italia"}, {"+39 06 %4d %4d", "06 %4d %4d", "347 %3d %4d"}, {"00184", "20%3d"},
            {"AR", "Argentina"}, {"+54 9 11 %4d-%4d", "011 15-%4d-%4d"}, {"C1002", "1%3d"},
            {"CN", "China"}, {"+86 139 %4d %4d", "139 %4d %4d"}, {"100000", "2%5d"},
            {"KR", "South Korea", "Korea"}, {"+82 10-%4d-%4d", "010-%4d-%4d"}, {"04524", "0%4d"},
    };

    private final SplittableRandom rnd;
    private final long rows;
    private final int[] shape;
    private final StringBuilder[] cells = new StringBuilder[COLUMNS.length];
    private long row;
    private final StringBuilder sb = new StringBuilder(256);
    private byte[] line;
    private int pos;

    /** @param shape indexes into {@link #COLUMNS}: the file's columns, in order */
    WarmUpData(long rows, long seed, int[] shape) {
        this.rows = rows;
        this.rnd = new SplittableRandom(seed);
        this.shape = shape;
        for (int i = 0; i < cells.length; i++) cells[i] = new StringBuilder(80);
        StringBuilder h = new StringBuilder();
        for (int c : shape) h.append(h.length() == 0 ? "" : ",").append(COLUMNS[c]);
        line = h.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override public int read() {
        if (!fill()) return -1;
        return line[pos++] & 0xff;
    }

    @Override public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        int n = 0;
        while (n < len && fill()) {
            int k = Math.min(len - n, line.length - pos);
            System.arraycopy(line, pos, b, off + n, k);
            pos += k;
            n += k;
        }
        return n == 0 ? -1 : n;
    }

    private boolean fill() {
        if (pos < line.length) return true;
        if (row >= rows) return false;
        for (StringBuilder c : cells) c.setLength(0);
        row(cells, rnd, row++);
        sb.setLength(0);
        for (int k = 0; k < shape.length; k++) (k == 0 ? sb : sb.append(',')).append(cells[shape[k]]);
        sb.append(row % 7 == 0 ? "\r\n" : "\n");
        line = sb.toString().getBytes(StandardCharsets.UTF_8);
        pos = 0;
        return true;
    }

    /** one row's cells, every column (the file keeps those of its shape) */
    private static void row(StringBuilder[] c, SplittableRandom r, long i) {
        String fn = r.nextBoolean() ? FIRST[r.nextInt(FIRST.length)] : made(r, 2 + r.nextInt(2), "");
        String ln = r.nextInt(3) == 0 ? LAST[r.nextInt(LAST.length)] : made(r, 2 + r.nextInt(3), "");
        int odd = r.nextInt(40);           // a few rows have one unusual or bad value (odd 0..15)
        int abroad = r.nextInt(100) < 40 ? r.nextInt(ABROAD.length / 3) : -1;
        StringBuilder email = c[0], phone = c[1], zip = c[6];
        if (odd == 14) { // nothing that identifies anyone: the row is rejected
            c[4].append(CITY[r.nextInt(CITY.length)]);
            c[5].append(STATE[r.nextInt(STATE.length)]);
            return;
        }
        if (odd != 0) {
            if (odd == 1) email.append(hex64(r, r.nextBoolean()));
            else {
                if (r.nextInt(8) == 0) email.append(' ');
                String local = (r.nextBoolean() ? fn.trim() : fn.trim().toUpperCase()) + (r.nextBoolean() ? "." : "_") + ln.replace(" ", "").replace("'", "") + i;
                email.append(local).append(odd == 2 ? " at " : odd == 3 ? "@@" : "@").append(DOMAIN[r.nextInt(DOMAIN.length)]);
                if (odd == 4) email.append('.');
                if (r.nextInt(10) == 0) email.append("  ");
            }
        }
        if (odd != 5) {
            if (odd == 6 || odd == 15) phone.append(BAD_PHONE[r.nextInt(BAD_PHONE.length)]);
            else if (odd == 7) phone.append("+1 (").append(201 + r.nextInt(780)).append(") 555-").append(pad(r.nextInt(10000), 4)).append(" ext. ").append(r.nextInt(999));
            else if (odd == 8) phone.append(hex64(r, false));
            else if (abroad >= 0) {
                String[] f = ABROAD[abroad * 3 + 1];
                phone.append(fill(f[r.nextInt(f.length)], r));
            } else {
                int a = 201 + r.nextInt(780), ex = 200 + r.nextInt(800), num = r.nextInt(10000);
                switch (r.nextInt(7)) {
                    case 0 -> phone.append('(').append(a).append(") ").append(ex).append('-').append(pad(num, 4));
                    case 1 -> phone.append("+1 ").append(a).append('.').append(ex).append('.').append(pad(num, 4));
                    case 2 -> phone.append(a).append('-').append(ex).append('-').append(pad(num, 4));
                    case 3 -> phone.append('1').append(a).append(ex).append(pad(num, 4));
                    case 4 -> phone.append("001 ").append(a).append(' ').append(ex).append(' ').append(pad(num, 4));
                    case 5 -> phone.append("+1").append(a).append(ex).append(pad(num, 4));
                    default -> phone.append(a).append(ex).append(pad(num, 4));
                }
            }
        }
        if (odd != 9) c[2].append(fn);
        c[3].append(odd == 10 ? "***" : ln);
        c[4].append(r.nextInt(3) == 0 ? CITY[r.nextInt(CITY.length)] : made(r, 1 + r.nextInt(3), TOWN[r.nextInt(TOWN.length)]));
        if (abroad < 0 || r.nextInt(4) == 0) c[5].append(r.nextInt(6) == 0 ? made(r, 1 + r.nextInt(3), "") : STATE[r.nextInt(STATE.length)]);
        if (odd == 11) zip.append(r.nextBoolean() ? "n/a" : "#!");
        else if (abroad >= 0) {
            String[] z = ABROAD[abroad * 3 + 2];
            zip.append(fill(z[r.nextInt(z.length)], r));
        } else {
            zip.append(pad(r.nextInt(100000), 5));
            int k = r.nextInt(6);
            if (k == 0) zip.append('-').append(pad(r.nextInt(10000), 4));
            else if (k == 1) zip.append(pad(r.nextInt(10000), 4));
        }
        if (odd == 12) c[7].append("Utopia");
        else if (odd != 13) {
            String[] names = abroad >= 0 ? ABROAD[abroad * 3] : COUNTRY_US;
            c[7].append(names[r.nextInt(names.length)]);
        }
        switch (r.nextInt(8)) {
            case 0 -> c[8].append('F');
            case 1 -> c[8].append("male");
            case 2 -> c[8].append("Female");
            case 3 -> c[8].append('m');
            case 4 -> c[8].append('x');
            default -> { }
        }
        int y = 1930 + r.nextInt(80), m = 1 + r.nextInt(12), d = 1 + r.nextInt(28);
        switch (r.nextInt(6)) {
            case 0 -> c[9].append(y).append('-').append(pad(m, 2)).append('-').append(pad(d, 2));
            case 1 -> c[9].append(y).append(pad(m, 2)).append(pad(d, 2));
            case 2 -> c[9].append(y).append('/').append(m).append('/').append(d);
            case 3 -> c[9].append("31.02.").append(y);
            default -> { }
        }
        c[10].append("c-").append(Long.toString(i * 0x9E3779B97F4A7C15L >>> 20, 36));
    }

    /** a capitalized made-up word of {@code n} syllables, then {@code suffix} */
    private static String made(SplittableRandom r, int n, String suffix) {
        StringBuilder w = new StringBuilder(16);
        for (int k = 0; k < n; k++) w.append(SYLLABLE[r.nextInt(SYLLABLE.length)]);
        w.setCharAt(0, Character.toUpperCase(w.charAt(0)));
        return w.append(suffix).toString();
    }

    /** a 64-hex digest look-alike (a value sent already hashed) */
    private static String hex64(SplittableRandom r, boolean upper) {
        StringBuilder h = new StringBuilder(64);
        for (int k = 0; k < 64; k++) h.append((upper ? "0123456789ABCDEF" : "0123456789abcdef").charAt(r.nextInt(16)));
        return h.toString();
    }

    /** a pattern with %Nd placeholders, each replaced by N random digits */
    private static String fill(String pattern, SplittableRandom r) {
        StringBuilder b = new StringBuilder(pattern.length() + 8);
        for (int k = 0; k < pattern.length(); k++) {
            char c = pattern.charAt(k);
            if (c == '%' && k + 2 < pattern.length() && pattern.charAt(k + 2) == 'd') {
                int w = pattern.charAt(k + 1) - '0';
                b.append(pad(r.nextInt((int) Math.pow(10, w)), w));
                k += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String pad(int v, int width) {
        String s = Integer.toString(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }
}
