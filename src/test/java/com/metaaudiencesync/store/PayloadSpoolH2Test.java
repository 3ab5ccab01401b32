package com.metaaudiencesync.store;

import com.metaaudiencesync.config.CoreBeans;
import com.metaaudiencesync.model.Action;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Batch payloads kept as files next to a real H2 file database ({@link PayloadSpool}): where the bytes are at
 * each step (stored, claimed, acknowledged, dead-lettered, replayed), what a rolled-back store leaves, what a
 * crash leaves and what the sweep removes, and a file deleted by hand.
 */
class PayloadSpoolH2Test {
    @TempDir Path dir;
    JdbcTemplate jdbc;
    TransactionTemplate tx;
    PayloadSpool spool;
    BatchStore batches;

    @BeforeEach
    void setUp() throws Exception {
        JdbcDataSource ds = PendingAndBatchStoreH2Test.withSchema(dir.resolve("db"));
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        CoreBeans.h2Durability(jdbc);
        spool = new PayloadSpool(dir.resolve("db.spool"));
        batches = new BatchStore(jdbc, tx, "test-instance", 60_000, spool);
    }

    static byte[] bigPayload(int rows) {
        List<String[]> l = new ArrayList<>();
        for (int i = 0; i < rows; i++) l.add(PendingAndBatchStoreH2Test.row(i));
        return BatchCodec.encode(l);
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(spool.dir())) { return s.filter(p -> p.toString().endsWith(".batch")).toList(); }
    }

    private Batch batch(byte[] payload, int rows) {
        return Batch.newBatch(AudienceRef.ofName("spooled"), Action.ADD, rows, payload, "test");
    }

    @Test
    void aBatchLivesInItsFileFromStoreToAcknowledgement() throws Exception {
        byte[] payload = bigPayload(10_000);
        assertThat(payload.length).isGreaterThan(3 * Payload.BLOCK); // several blocks
        batches.insert(batch(payload, 10_000), false);

        assertThat(files()).hasSize(1);
        assertThat(Files.readAllBytes(files().get(0))).isEqualTo(payload);
        String ref = jdbc.queryForObject("SELECT payload_ref FROM mas_batch", String.class);
        assertThat(files().get(0).getFileName().toString()).isEqualTo(ref + ".batch");
        assertThat(jdbc.queryForObject("SELECT OCTET_LENGTH(payload) FROM mas_batch", Long.class)).as("nothing in the row").isZero();

        List<Batch> claimed = batches.claimReady(2, List.of());
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).payload().toArray()).isEqualTo(payload);

        batches.delete(claimed.get(0).id());
        assertThat(files()).as("an acknowledged batch's file goes with its row").isEmpty();
        assertThat(batches.queuedBatches()).isZero();
    }

    @Test
    void aStoreRolledBackWithItsTransactionLeavesNoFile() throws Exception {
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
            batches.insert(batch(bigPayload(10), 10), false);
            throw new IllegalStateException("lost the claim");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(batches.queuedBatches()).isZero();
        assertThat(files()).isEmpty();

        tx.executeWithoutResult(s -> batches.insert(batch(bigPayload(10), 10), false));
        assertThat(files()).as("a committed store keeps its file").hasSize(1);
    }

    @Test
    void anAcknowledgementRolledBackKeepsTheFile() throws Exception {
        batches.insert(batch(bigPayload(10), 10), false);
        long id = batches.claimReady(1, List.of()).get(0).id();
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
            batches.delete(id);
            throw new IllegalStateException("rolled back");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(batches.queuedBatches()).isEqualTo(1);
        assertThat(files()).hasSize(1);
    }

    @Test
    void aDeadLetterKeepsTheFileAndAReplaySendsTheSameBytes() throws Exception {
        byte[] payload = bigPayload(2_000);
        batches.insert(batch(payload, 2_000), false);
        Batch b = batches.claimReady(1, List.of()).get(0);
        batches.deadLetter(b, "test", "test", 1);
        assertThat(batches.queuedBatches()).isZero();
        assertThat(jdbc.queryForObject("SELECT payload_ref FROM mas_dead_letter", String.class)).isNotNull();
        assertThat(files()).hasSize(1);
        assertThat(batches.sweepSpool(0)).as("a dead letter's file is referenced").isZero();

        assertThat(batches.replayDeadLetters(null)).isEqualTo(1);
        Batch again = batches.claimReady(1, List.of()).get(0);
        assertThat(again.payload().toArray()).isEqualTo(payload);
        batches.delete(again.id());
        assertThat(files()).isEmpty();
    }

    @Test
    void theSweepDeletesOnlyOldFilesNoRowNames() throws Exception {
        batches.insert(batch(bigPayload(5), 5), false);
        Path kept = files().get(0);
        // a crash between a file's write and its row's commit (or a row's delete and its file's) leaves these:
        String orphanOld = spool.write(Payload.of(bigPayload(3)));
        String orphanNew = spool.write(Payload.of(bigPayload(3)));
        Path old = spool.dir().resolve(orphanOld + ".batch");
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Files.setLastModifiedTime(kept, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Files.writeString(spool.dir().resolve("notes.txt"), "not ours");

        assertThat(batches.sweepSpool(10 * 60_000L)).isEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(kept).as("named by a batch").exists();
        assertThat(spool.dir().resolve(orphanNew + ".batch")).as("young: its row may be about to be committed").exists();
        assertThat(spool.dir().resolve("notes.txt")).exists();
        assertThat(batches.claimReady(1, List.of()).get(0).payload().length()).isEqualTo(bigPayload(5).length);
    }

    @Test
    void aFileDeletedByHandGivesABatchWithoutPayloadAndItsDeadLetterKeepsTheReference() throws Exception {
        batches.insert(batch(bigPayload(5), 5), false);
        Files.delete(files().get(0));
        Batch b = batches.claimReady(1, List.of()).get(0);
        assertThat(b.payload()).as("the sender dead-letters it (payload_missing)").isNull();
        batches.deadLetter(b, "missing", "payload_missing", 0);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_dead_letter WHERE payload_ref IS NOT NULL", Integer.class)).isEqualTo(1);
    }

    @Test
    void batchesStoredInTheRowBeforeTheSpoolStillReadAndAStoreWithoutSpoolKeepsPayloadsInTheRow() throws Exception {
        byte[] payload = bigPayload(50);
        new BatchStore(jdbc, tx, "test-instance", 60_000).insert(batch(payload, 50), false);
        assertThat(files()).isEmpty();
        assertThat(jdbc.queryForObject("SELECT payload_ref FROM mas_batch", String.class)).isNull();
        assertThat(batches.claimReady(1, List.of()).get(0).payload().toArray()).isEqualTo(payload);
    }

    /** sync.payload-store changed from auto to database: new batches go into the row, earlier ones still read from their files */
    @Test
    void aStoreThatNoLongerWritesFilesStillReadsAndCleansUpTheEarlierOnes() throws Exception {
        byte[] early = bigPayload(20), late = bigPayload(30);
        batches.insert(batch(early, 20), false);
        BatchStore database = new BatchStore(jdbc, tx, "test-instance", 60_000, spool, false);
        database.insert(batch(late, 30), false);
        assertThat(files()).hasSize(1);
        assertThat(jdbc.queryForList("SELECT payload_ref FROM mas_batch ORDER BY id", String.class).get(1)).isNull();
        List<Batch> claimed = database.claimReady(2, List.of());
        assertThat(claimed).hasSize(2);
        assertThat(claimed.get(0).payload().toArray()).isEqualTo(early);
        assertThat(claimed.get(1).payload().toArray()).isEqualTo(late);
        for (Batch b : claimed) database.delete(b.id());
        assertThat(files()).isEmpty();
    }

    @Test
    void referencesThatAreNotSpoolNamesAreRefused() throws Exception {
        assertThatThrownBy(() -> spool.read("../db.mv")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.delete("ABC")).isInstanceOf(IllegalArgumentException.class);
        assertThat(spool.sweep(Set.of(), 0)).isZero();
    }

    @Test
    void theSpoolDirectoryIsNextToAnH2FileDatabaseAndAbsentForOtherDatabases() throws Exception {
        assertThat(CoreBeans.spoolDir(jdbc)).isEqualTo(dir.resolve("db.spool"));
        JdbcDataSource mem = new JdbcDataSource();
        mem.setURL("jdbc:h2:mem:spooltest");
        assertThat(CoreBeans.spoolDir(new JdbcTemplate(mem))).isNull();
        // an H2 server may be shared from other hosts (and its path is the server's): payloads stay in the database
        org.h2.tools.Server server = org.h2.tools.Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.resolve("server").toString(), "-ifNotExists").start();
        try {
            JdbcDataSource tcp = new JdbcDataSource();
            tcp.setURL("jdbc:h2:tcp://localhost:" + server.getPort() + "/shared");
            assertThat(CoreBeans.spoolDir(new JdbcTemplate(tcp))).isNull();
        } finally {
            server.stop();
        }
    }
}
