package com.metaaudiencesync.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Payload files an earlier version kept in {@code <H2 database>.spool/} go into their rows once, so an upgrade loses nothing. */
public final class SpoolUpgrade {
    private static final Logger log = LoggerFactory.getLogger(SpoolUpgrade.class);

    private SpoolUpgrade() {}

    public static void run(JdbcTemplate jdbc) throws IOException {
        Path dir = spoolDir(jdbc);
        if (dir == null || !Files.isDirectory(dir)) return;
        int moved = 0;
        for (String table : List.of("mas_batch", "mas_dead_letter")) {
            for (Map<String, Object> r : jdbc.queryForList("SELECT id, payload_ref FROM " + table + " WHERE payload_ref IS NOT NULL")) {
                Path f = dir.resolve(r.get("payload_ref") + ".batch");
                if (!Files.isRegularFile(f)) {
                    log.error("{} {}: its payload file {} is missing", table, r.get("id"), f);
                    continue;
                }
                try (InputStream in = Files.newInputStream(f)) {
                    long size = Files.size(f);
                    // one statement: the payload and the cleared reference commit together (a crash before the file's
                    // delete leaves an unreferenced file, deleted with the directory at the next start)
                    jdbc.update("UPDATE " + table + " SET payload=?, payload_ref=NULL WHERE id=?",
                            ps -> { ps.setBinaryStream(1, in, size); ps.setObject(2, r.get("id")); });
                }
                Files.delete(f);
                moved++;
            }
        }
        try (Stream<Path> left = Files.list(dir)) {
            for (Path p : (Iterable<Path>) left::iterator) Files.delete(p);
            Files.delete(dir);
        } catch (IOException e) {
            log.warn("could not delete {} (batch payloads are in the database now; delete it by hand): {}", dir, e.toString());
        }
        log.info("{} batch payloads moved from {} into the database", moved, dir);
    }

    /** {@code <database>.spool} next to an H2 file database, null for any other database */
    static Path spoolDir(JdbcTemplate jdbc) {
        try (Connection c = jdbc.getDataSource().getConnection()) {
            if (!"H2".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) return null;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL DATABASE_PATH()")) {
                String path = rs.next() ? rs.getString(1) : null;
                return path == null ? null : Path.of(path + ".spool");
            }
        } catch (SQLException e) {
            log.warn("could not find the H2 database's path: {}", e.getMessage());
            return null;
        }
    }
}
