package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.intake.RecordReader;
import com.metaaudiencesync.intake.RecordReaders;
import com.metaaudiencesync.intake.SourceRecord;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Opens the source of a poll job as a stream of records (the same {@link RecordReader} the inbox uses), so
 * memory does not grow with the source: a JDBC result set read with a fetch size, an HTTP body parsed while it
 * arrives, files read in place. Any failure part-way surfaces as an IOException from {@link RecordReader#next()}.
 */
public final class PollSources {
    private static final int FETCH_SIZE = 1000;
    private final HttpClient http;
    private final Duration requestTimeout;

    public PollSources(Duration connectTimeout, Duration requestTimeout) {
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.requestTimeout = requestTimeout;
    }

    public RecordReader open(SyncProperties.PollJob job) throws IOException {
        SyncProperties.Source s = job.getSource();
        return switch (s.getType().trim().toLowerCase(Locale.ROOT)) {
            case "jdbc" -> jdbc(s);
            case "http" -> http(s);
            case "file" -> files(s.getPath());
            default -> throw new IOException("unknown source type " + s.getType());
        };
    }

    /** A short description for logs and run history (never credentials). */
    public static String describe(SyncProperties.Source s) {
        String type = s.getType() == null ? "?" : s.getType().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "jdbc" -> "jdbc " + redactUrl(s.getUrl());
            case "http" -> "http " + redactUrl(s.getUrl());
            case "file" -> "file " + s.getPath();
            default -> type;
        };
    }

    static String redactUrl(String u) {
        if (u == null) return null;
        String noQuery = u.replaceAll("(?i)(password|token|access_token|secret)=[^&;]*", "$1=****");
        return noQuery.replaceAll("//[^/@]*@", "//****@");
    }

    // ---------------------------------------------------------------- jdbc

    private RecordReader jdbc(SyncProperties.Source s) throws IOException {
        Connection c = null;
        try {
            c = DriverManager.getConnection(s.getUrl(), s.getUsername(), s.getPassword());
            c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            c.setReadOnly(true);
            Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            st.setFetchSize(FETCH_SIZE);
            ResultSet rs = st.executeQuery(s.getQuery());
            return new JdbcReader(c, st, rs);
        } catch (SQLException e) {
            if (c != null) try { c.close(); } catch (SQLException ignored) { /* already failing */ }
            throw new IOException("JDBC source failed: " + e.getMessage(), e);
        }
    }

    static final class JdbcReader implements RecordReader {
        private final Connection c;
        private final Statement st;
        private final ResultSet rs;
        private final String[] names;
        private long row;

        JdbcReader(Connection c, Statement st, ResultSet rs) throws SQLException {
            this.c = c;
            this.st = st;
            this.rs = rs;
            ResultSetMetaData md = rs.getMetaData();
            names = new String[md.getColumnCount()];
            for (int i = 0; i < names.length; i++) names[i] = md.getColumnLabel(i + 1);
        }

        @Override public SourceRecord next() throws IOException {
            try {
                if (!rs.next()) return null;
                row++;
                Object[] v = new Object[names.length];
                for (int i = 0; i < names.length; i++) v[i] = rs.getString(i + 1);
                return new SourceRecord(row, names, v, null);
            } catch (SQLException e) {
                throw new IOException("JDBC source failed after row " + row + ": " + e.getMessage(), e);
            }
        }

        @Override public long line() { return row; }

        @Override public void close() {
            try { rs.close(); } catch (SQLException ignored) { /* closing */ }
            try { st.close(); } catch (SQLException ignored) { /* closing */ }
            try { c.rollback(); } catch (SQLException ignored) { /* read only */ }
            try { c.close(); } catch (SQLException ignored) { /* closing */ }
        }
    }

    // ---------------------------------------------------------------- http

    private RecordReader http(SyncProperties.Source s) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.getUrl())).timeout(requestTimeout).GET()
                .header("Accept", "text/csv, application/x-ndjson, application/json;q=0.9, */*;q=0.1")
                .header("Accept-Encoding", "gzip");
        if (PollJobs.notBlank(s.getToken())) b.header("Authorization", "Bearer " + s.getToken().trim());
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        InputStream body = r.body();
        if (r.statusCode() / 100 != 2) {
            String head;
            try (InputStream in = body) { head = new String(in.readNBytes(300), StandardCharsets.UTF_8); }
            catch (IOException e) { head = ""; }
            throw new IOException("HTTP source answered " + r.statusCode() + (head.isBlank() ? "" : ": " + head.strip()));
        }
        String path = URI.create(s.getUrl()).getPath();
        String lowerPath = path == null ? "" : path.toLowerCase(Locale.ROOT);
        boolean gzip = r.headers().firstValue("Content-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("gzip")).orElse(false)
                || lowerPath.endsWith(".gz");
        RecordReaders.Format f = formatOf(r.headers().firstValue("Content-Type").orElse(null), lowerPath);
        if (f == null) {
            body.close();
            throw new IOException("HTTP source: cannot tell the format from Content-Type '" + r.headers().firstValue("Content-Type").orElse("")
                    + "' or the URL (serve text/csv, application/x-ndjson or application/json, or end the URL in .csv/.ndjson/.json)");
        }
        try {
            return RecordReaders.open(body, f, gzip);
        } catch (IOException | RuntimeException e) {
            body.close();
            throw e;
        }
    }

    static RecordReaders.Format formatOf(String contentType, String lowerPath) {
        if (contentType != null) {
            String ct = contentType.toLowerCase(Locale.ROOT).split(";")[0].trim();
            switch (ct) {
                case "text/csv", "application/csv", "text/comma-separated-values" -> { return RecordReaders.Format.CSV; }
                case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines",
                     "application/json-seq" -> { return RecordReaders.Format.NDJSON; }
                case "application/json", "text/json" -> {
                    RecordReaders.Format byName = RecordReaders.format(lowerPath.isEmpty() ? "x" : lowerPath);
                    return byName == RecordReaders.Format.NDJSON ? byName : RecordReaders.Format.JSON;
                }
                default -> { }
            }
        }
        return lowerPath.isEmpty() ? null : RecordReaders.format(lowerPath);
    }

    // ---------------------------------------------------------------- files

    /** A path or a glob (e.g. /exports/vip-*.csv); the files are read in place, in name order, never moved. */
    static RecordReader files(String pattern) throws IOException {
        List<Path> files = match(pattern);
        if (files.isEmpty()) throw new IOException("no file matches " + pattern);
        return new MultiFileReader(files);
    }

    static List<Path> match(String pattern) throws IOException {
        String p = pattern.trim();
        int glob = indexOfGlob(p);
        if (glob < 0) {
            Path f = Path.of(p);
            if (!Files.isRegularFile(f)) throw new IOException("source file " + f.toAbsolutePath() + " does not exist");
            return List.of(f);
        }
        int sep = Math.max(p.lastIndexOf('/', glob), p.lastIndexOf(File.separatorChar, glob));
        Path base = Path.of(sep < 0 ? "." : (sep == 0 ? "/" : p.substring(0, sep))).toAbsolutePath().normalize();
        String rest = sep < 0 ? p : p.substring(sep + 1);
        if (!Files.isDirectory(base)) throw new IOException("source directory " + base + " does not exist");
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        int depth = rest.contains("**") ? Integer.MAX_VALUE : rest.split("/").length;
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(base, depth)) {
            s.filter(Files::isRegularFile).filter(f -> m.matches(base.relativize(f))).sorted().forEach(out::add);
        }
        return out;
    }

    private static int indexOfGlob(String p) {
        for (int i = 0; i < p.length(); i++) if ("*?[{".indexOf(p.charAt(i)) >= 0) return i;
        return -1;
    }

    static final class MultiFileReader implements RecordReader {
        private final Iterator<Path> files;
        private RecordReader current;
        private String currentName;

        MultiFileReader(List<Path> files) { this.files = files.iterator(); }

        @Override public SourceRecord next() throws IOException {
            while (true) {
                if (current == null) {
                    if (!files.hasNext()) return null;
                    Path f = files.next();
                    currentName = f.getFileName().toString();
                    InputStream in = new FileInputStream(f.toFile());
                    try {
                        current = RecordReaders.open(in, currentName);
                    } catch (IOException | RuntimeException e) {
                        in.close();
                        throw new IOException("source file " + currentName + ": " + e.getMessage(), e);
                    }
                }
                SourceRecord r;
                try {
                    r = current.next();
                } catch (IOException e) {
                    throw new IOException("source file " + currentName + ": " + e.getMessage(), e);
                }
                if (r != null) return r;
                current.close();
                current = null;
            }
        }

        @Override public long line() { return current == null ? 0 : current.line(); }
        @Override public void close() throws IOException { if (current != null) current.close(); }
    }
}
