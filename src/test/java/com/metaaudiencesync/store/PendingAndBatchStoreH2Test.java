package com.metaaudiencesync.store;

import com.metaaudiencesync.config.CoreBeans;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.MetaKey;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ScriptUtils;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stores on a real H2 file database, set up as the application sets it up (schema.sql, schema-h2.sql, then the H2-only
 * settings of CoreBeans): batch payloads in a BLOB column, pending webhook rows in their compact form.
 */
class PendingAndBatchStoreH2Test {
    @TempDir Path dir;
    JdbcTemplate jdbc;
    TransactionTemplate tx;
    BatchStore batches;
    PendingStore pending;

    /** an H2 file database with the application's schema.sql and schema-h2.sql applied (and nothing else yet) */
    static JdbcDataSource withSchema(Path file) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + file + ";WRITE_DELAY=0");
        ds.setUser("sa");
        try (Connection c = ds.getConnection()) {
            ScriptUtils.executeSqlScript(c, new ClassPathResource("db/schema.sql"));
            ScriptUtils.executeSqlScript(c, new ClassPathResource("db/schema-h2.sql"));
        }
        return ds;
    }

    @BeforeEach
    void setUp() throws Exception {
        JdbcDataSource ds = withSchema(dir.resolve("db"));
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        CoreBeans.h2Durability(jdbc);
        batches = new BatchStore(jdbc, tx, "test-instance", 60_000);
        pending = new PendingStore(jdbc, tx, batches);
    }

    static String hex(int i) {
        return String.format("%064x", i);
    }

    static String[] row(int i) {
        String[] r = new String[MetaKey.COUNT];
        Arrays.fill(r, "");
        r[0] = hex(i);
        r[1] = hex(i + 1_000_000);
        return r;
    }

    @Test
    void theH2PageCacheIsSizedFromTheHeapUnlessTheUrlSetsIt() throws Exception {
        assertThat(CoreBeans.h2CacheKb(256L << 20)).isEqualTo(2048);
        assertThat(CoreBeans.h2CacheKb(64L << 20)).isEqualTo(1024);
        assertThat(CoreBeans.h2CacheKb(8L << 30)).isEqualTo(16 * 1024);
        String cacheMb = "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME='info.CACHE_MAX_SIZE'";
        for (String opts : new String[]{"", ";CACHE_SIZE=3072"}) {
            JdbcDataSource ds = withSchema(dir.resolve("cache" + opts.length()));
            ds.setURL(ds.getURL() + opts);
            try (Connection keepOpen = ds.getConnection()) { // the setting lives as long as the database is open (as in the pool)
                JdbcTemplate j = new JdbcTemplate(ds);
                CoreBeans.h2Durability(j, 256L << 20);
                long expectedMb = opts.isEmpty() ? 2 : 3; // H2's own default is 16
                assertThat(j.queryForObject(cacheMb, String.class)).as("cache with URL options '%s'", opts).isEqualTo(Long.toString(expectedMb));
            }
        }
    }

    @Test
    void payloadColumnIsABlobAndAMultiMegabytePayloadRoundTrips() {
        assertThat(jdbc.queryForObject("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME='MAS_BATCH' AND COLUMN_NAME='PAYLOAD'", String.class))
                .isEqualTo("BINARY LARGE OBJECT");
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) rows.add(row(i));
        byte[] payload = BatchCodec.encode(rows);
        assertThat(payload.length).isGreaterThan(500_000);
        batches.insert(Batch.newBatch(AudienceRef.ofName("big"), Action.ADD, rows.size(), payload, "test"), false);
        List<Batch> claimed = batches.claimReady(2, List.of());
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).payload().toArray()).isEqualTo(payload);
        // a dead letter keeps the same bytes, and a replay brings them back
        batches.deadLetter(claimed.get(0), "test", "test", 1);
        assertThat(batches.replayDeadLetters(null)).isEqualTo(1);
        assertThat(batches.claimReady(2, List.of()).get(0).payload().toArray()).isEqualTo(payload);
    }

    /** a database written by an earlier version (payload stored in the row) is converted at start-up, data kept */
    @Test
    void anExistingDatabaseWithInRowPayloadsIsConvertedWithItsBatchesAndDeadLetters() throws Exception {
        JdbcDataSource ds = withSchema(dir.resolve("old"));
        JdbcTemplate old = new JdbcTemplate(ds);
        assertThat(old.queryForObject("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME='MAS_BATCH' AND COLUMN_NAME='PAYLOAD'", String.class))
                .isEqualTo("BINARY VARYING");
        byte[] payload = BatchCodec.encode(List.of(row(1), row(2)));
        old.update("INSERT INTO mas_batch(audience_key, audience_name, action, row_count, payload, source, state, attempts, next_attempt_at, created_at)"
                + " VALUES ('name:old','old','ADD',2,?,'f','READY',0,0,0)", (Object) payload);
        old.update("INSERT INTO mas_dead_letter(batch_id, audience_key, audience_name, action, row_count, payload, source, reason, code, attempts, created_at, dead_at)"
                + " VALUES (9,'name:old','old','ADD',2,?,'f','r','c',1,0,0)", (Object) payload);

        CoreBeans.h2Durability(old);

        for (String t : new String[]{"MAS_BATCH", "MAS_DEAD_LETTER"}) {
            assertThat(old.queryForObject("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME=? AND COLUMN_NAME='PAYLOAD'", String.class, t))
                    .isEqualTo("BINARY LARGE OBJECT");
        }
        BatchStore store = new BatchStore(old, new TransactionTemplate(new DataSourceTransactionManager(ds)), "x", 60_000);
        assertThat(store.claimReady(5, List.of()).get(0).payload().toArray()).isEqualTo(payload);
        assertThat(store.replayDeadLetters(null)).isEqualTo(1);
        assertThat(store.claimReady(5, List.of())).extracting(b -> b.payload().toArray()).containsExactly(payload);
    }

    @Test
    void pendingRowsBecomeOneBatchWithTheSameCellsIncludingRowsStoredAsJsonByOlderVersions() {
        AudienceRef a = AudienceRef.ofName("mixed");
        jdbc.update("INSERT INTO mas_pending(audience_key, audience_name, action, row_data, source, created_at) VALUES (?,?,?,?,?,?)",
                a.key(), a.name(), "ADD", "[\"" + hex(7) + "\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"]", "old", 1L);
        List<PendingStore.PendingRow> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) rows.add(new PendingStore.PendingRow(a, Action.ADD, row(i), "webhook"));
        pending.append(rows);
        assertThat(jdbc.queryForObject("SELECT row_data FROM mas_pending WHERE source='webhook' ORDER BY id FETCH FIRST 1 ROWS ONLY", String.class))
                .startsWith("b").hasSizeLessThan(140);

        assertThat(pending.flush(100, 0)).isEqualTo(1);
        assertThat(pending.count()).isZero();
        Batch b = batches.claimReady(1, List.of()).get(0);
        List<String[]> decoded = BatchCodec.decode(b.payload());
        assertThat(decoded).hasSize(6);
        assertThat(decoded.get(0)[0]).isEqualTo(hex(7));
        for (int i = 0; i < 5; i++) assertThat(decoded.get(i + 1)).containsExactly(row(i));
    }

    /** a row of long text cells is stored in its shorter form (JSON here) and still becomes the same batch row */
    @Test
    void aRowWithLongTextCellsFitsTheColumnAndRoundTrips() {
        AudienceRef a = AudienceRef.ofName("long");
        String[] r = row(1);
        r[2] = "x".repeat(900);
        r[3] = "y".repeat(900);
        String stored = PendingStore.encodeRow(r);
        assertThat(stored).startsWith("[").hasSizeLessThan(4000);
        pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, r, "webhook")));
        assertThat(pending.flush(1, 0)).isEqualTo(1);
        assertThat(BatchCodec.decode(batches.claimReady(1, List.of()).get(0).payload()).get(0)).containsExactly(r);
    }

    @Test
    void nothingIsFlushedBeforeABatchIsFullOrTheOldestRowIsOldEnough() {
        AudienceRef a = AudienceRef.ofName("wait");
        List<PendingStore.PendingRow> rows = new ArrayList<>();
        for (int i = 0; i < 9; i++) rows.add(new PendingStore.PendingRow(a, Action.ADD, row(i), "webhook"));
        pending.append(rows);
        assertThat(pending.flush(10, 60_000)).isZero();
        assertThat(pending.count()).isEqualTo(9);
        pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, row(9), "webhook")));
        assertThat(pending.flush(10, 60_000)).isEqualTo(1);
        assertThat(pending.count()).isZero();
        pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, row(10), "webhook")));
        jdbc.update("UPDATE mas_pending SET created_at=created_at-61000");
        assertThat(pending.flush(10, 60_000)).isEqualTo(1);
        assertThat(pending.count()).isZero();
    }

    @Test
    void aRowCommittedLateInsideTheRangeOfABatchBeingTakenIsNeverLost() throws Exception {
        AudienceRef a = AudienceRef.ofName("late");
        pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, row(1), "fast")));
        // a slower transaction takes the next id and stays open while a later row is committed
        CountDownLatch inserted = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread slow = new Thread(() -> tx.executeWithoutResult(s -> {
            pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, row(2), "slow")));
            inserted.countDown();
            try { release.await(10, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        }));
        slow.start();
        assertThat(inserted.await(10, TimeUnit.SECONDS)).isTrue();
        pending.append(List.of(new PendingStore.PendingRow(a, Action.ADD, row(3), "fast")));
        // the flush reads rows 1 and 3 and deletes the id range 1..3, which holds the uncommitted row 2
        Thread flusher = new Thread(() -> pending.flush(100, 0));
        flusher.start();
        long until = System.currentTimeMillis() + 10_000;
        while (flusher.isAlive() && flusher.getState() == Thread.State.RUNNABLE && System.currentTimeMillis() < until) Thread.onSpinWait();
        release.countDown();
        slow.join(10_000);
        flusher.join(20_000);
        assertThat(flusher.isAlive()).isFalse();
        for (int i = 0; i < 5 && pending.count() > 0; i++) pending.flush(100, 0);
        List<String> firstCells = new ArrayList<>();
        for (Batch b : batches.claimReady(100, List.of())) {
            for (String[] r : BatchCodec.decode(b.payload())) firstCells.add(r[0]);
        }
        assertThat(pending.count()).isZero();
        assertThat(firstCells).containsExactlyInAnyOrder(hex(1), hex(2), hex(3));
    }

    /**
     * Two instances on one inbox: B listed a file, then A finished it (moved it, marked it DONE), then B claims it.
     * That is not a new drop of the file: B's claim must fail and leave A's counts alone. A file seen after the
     * intake finished is a new drop and starts over.
     */
    @Test
    void aFileFinishedByAnotherInstanceAfterThisOneSawItIsNotStartedOver() {
        IntakeStore a = new IntakeStore(jdbc, tx, batches, "A", 60_000), b = new IntakeStore(jdbc, tx, batches, "B", 60_000);
        String key = "f6.csv|42|1000";
        long seenByB = System.currentTimeMillis();
        assertThat(a.claim(key, "f6.csv")).isTrue();
        List<String[]> rows = List.<String[]>of(row(1));
        a.commitChunk(key, 1, Batch.newBatch(AudienceRef.ofName("x"), Action.ADD, 1, BatchCodec.encode(rows), "f6.csv").withIntake(key, 1), false);
        a.markRead(key, 1, 1, 0, "{}", null);
        a.markDone(key); // finished at or after B's look (the same millisecond counts: the restart needs finished_at < seenAt)

        assertThat(b.claim(key, "f6.csv", seenByB)).isFalse();
        assertThat(jdbc.queryForMap("SELECT status, batches_total, rows_read, owner FROM mas_intake WHERE intake_key=?", key))
                .containsEntry("STATUS", "DONE").containsEntry("BATCHES_TOTAL", 1).containsEntry("ROWS_READ", 1L);

        // dropped again later: a new intake of the same key
        long seenLater = System.currentTimeMillis() + 1;
        assertThat(b.claim(key, "f6.csv", seenLater)).isTrue();
        assertThat(jdbc.queryForMap("SELECT status, batches_total, owner FROM mas_intake WHERE intake_key=?", key))
                .containsEntry("STATUS", "READING").containsEntry("BATCHES_TOTAL", 0).containsEntry("OWNER", "B");
    }
}
