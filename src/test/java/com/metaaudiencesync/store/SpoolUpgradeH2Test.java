package com.metaaudiencesync.store;

import com.metaaudiencesync.config.CoreBeans;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An H2 file database with batches an earlier version kept as files in {@code <db>.spool/}, upgraded at start-up. */
class SpoolUpgradeH2Test {
    @TempDir Path dir;

    static byte[] payload(int rows) {
        List<String[]> l = new ArrayList<>();
        for (int i = 0; i < rows; i++) l.add(PendingAndBatchStoreH2Test.row(i));
        return BatchCodec.encode(l);
    }

    /** as the earlier version stored it: the file complete, the row with an empty payload naming it */
    private static void spooled(JdbcTemplate jdbc, Path spool, String table, String ref, byte[] payload) throws Exception {
        if (payload != null) Files.write(spool.resolve(ref + ".batch"), payload);
        if (table.equals("mas_batch")) {
            jdbc.update("INSERT INTO mas_batch(audience_key, audience_name, action, row_count, payload, payload_ref, state, attempts, next_attempt_at, created_at)"
                    + " VALUES ('n:spooled', 'spooled', 'ADD', 1, X'', ?, 'READY', 0, 0, 0)", ref);
        } else {
            jdbc.update("INSERT INTO mas_dead_letter(batch_id, audience_key, audience_name, action, row_count, payload, payload_ref, reason, code, attempts, created_at, dead_at)"
                    + " VALUES (99, 'n:spooled', 'spooled', 'ADD', 1, X'', ?, 'test', 'test', 1, 0, 0)", ref);
        }
    }

    @Test
    void spooledPayloadsMoveIntoTheirRowsAndTheDirectoryIsDeleted() throws Exception {
        JdbcDataSource ds = PendingAndBatchStoreH2Test.withSchema(dir.resolve("db"));
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        CoreBeans.h2Durability(jdbc);
        Path spool = Files.createDirectory(dir.resolve("db.spool"));
        byte[] queued = payload(10_000), dead = payload(30);
        assertThat(queued.length).isGreaterThan(3 * Payload.BLOCK);
        spooled(jdbc, spool, "mas_batch", "0123456789abcdef0123456789abcdef", queued);
        spooled(jdbc, spool, "mas_dead_letter", "fedcba9876543210fedcba9876543210", dead);
        spooled(jdbc, spool, "mas_batch", "00000000000000000000000000000000", null); // its file deleted by hand
        Files.write(spool.resolve("11111111111111111111111111111111.batch"), payload(2)); // a crash's leftover
        Files.writeString(spool.resolve("notes.txt"), "not referenced");

        SpoolUpgrade.run(jdbc);

        assertThat(spool).doesNotExist();
        assertThat(jdbc.queryForObject("SELECT payload FROM mas_batch WHERE id=1", byte[].class)).isEqualTo(queued);
        assertThat(jdbc.queryForObject("SELECT payload FROM mas_dead_letter", byte[].class)).isEqualTo(dead);
        assertThat(jdbc.queryForList("SELECT payload_ref FROM mas_batch ORDER BY id", String.class))
                .containsExactly(null, "00000000000000000000000000000000");

        BatchStore batches = new BatchStore(jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)), "test-instance", 60_000);
        List<Batch> claimed = batches.claimReady(2, List.of());
        assertThat(claimed.get(0).payload().toArray()).isEqualTo(queued);
        assertThat(claimed.get(1).payload()).as("the sender dead-letters it (payload_missing)").isNull();
        batches.deadLetter(claimed.get(1), "missing", "payload_missing", 0);
        batches.replayDeadLetters(null);
        batches.delete(claimed.get(0).id());
        List<Batch> replayed = batches.claimReady(2, List.of());
        assertThat(replayed).extracting(b -> b.payload() == null ? null : b.payload().toArray())
                .as("a replayed batch is sent with its rows, the one whose file was missing is not sent empty")
                .containsExactlyInAnyOrder(dead, null);

        SpoolUpgrade.run(jdbc); // nothing left to do
        assertThat(batches.queuedBatches()).isEqualTo(2);
    }

    @Test
    void onlyAnH2FileDatabaseHasASpoolDirectory() throws Exception {
        JdbcTemplate file = new JdbcTemplate(PendingAndBatchStoreH2Test.withSchema(dir.resolve("db")));
        assertThat(SpoolUpgrade.spoolDir(file)).isEqualTo(dir.resolve("db.spool"));
        JdbcDataSource mem = new JdbcDataSource();
        mem.setURL("jdbc:h2:mem:spoolupgrade");
        assertThat(SpoolUpgrade.spoolDir(new JdbcTemplate(mem))).isNull();
    }
}
