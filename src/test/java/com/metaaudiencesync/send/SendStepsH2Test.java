package com.metaaudiencesync.send;

import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.meta.AccountPausedException;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.PermanentGraphException;
import com.metaaudiencesync.meta.RetryableGraphException;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.Batch;
import com.metaaudiencesync.store.BatchCodec;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.StoreTestRows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The send route's steps as plain Java over a real H2 database, without Camel: the request body, the outcome of
 * an answer, and the error channels' decisions (retry later durably, give up into the dead letters, pause).
 */
class SendStepsH2Test {
    static final String TOKEN = "tok-SendSteps-0000";
    @TempDir Path dir;
    JdbcTemplate jdbc;
    BatchStore store;
    AccountGate gate;
    SyncProperties sync;
    BatchSender sender;
    GraphRequests requests;
    int audiences;

    @BeforeEach
    void setUp() throws Exception {
        var ds = StoreTestRows.h2(dir.resolve("db"));
        jdbc = new JdbcTemplate(ds);
        store = new BatchStore(jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)), "steps-test", 60_000);
        sync = new SyncProperties();
        sync.getRetry().setMaxAttempts(3);
        MetaProperties meta = new MetaProperties();
        meta.setAccessToken(TOKEN);
        meta.setAppSecret("app-secret");
        meta.setAdAccountId("act_1004");
        requests = new GraphRequests(new GraphClient(meta, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        gate = new AccountGate();
        sender = new BatchSender(store, null, gate, sync, meta, new SyncMetrics(new SimpleMeterRegistry()), false, requests, null);
    }

    /** a claimed batch of its own audience (one batch of an audience is in flight at a time) */
    Batch claimed(Action action) {
        store.insert(Batch.newBatch(AudienceRef.ofId("2385000000000000" + (++audiences)), action, 2, BatchCodec.encode(StoreTestRows.rows(2)), "test"), false);
        return store.claimReady(1, List.of()).get(0);
    }

    Map<String, Object> row(Batch b) { return jdbc.queryForMap("SELECT state, attempts, last_error FROM mas_batch WHERE id=?", b.id()); }

    @Test
    void theBodyCarriesTheCredentialsAndMethodDeleteForRemoves() throws Exception {
        String body = EntityUtils.toString(requests.body(claimed(Action.REMOVE)));
        assertThat(body).contains("\"method\":\"DELETE\"", "\"access_token\":\"" + TOKEN + "\"",
                "\"appsecret_proof\":\"" + FakeGraphApi.hmacSha256Hex("app-secret", TOKEN) + "\"", "\"schema\"");
        assertThat(sender.target(claimed(Action.ADD))).isEqualTo("23850000000000002/users");
    }

    @Test
    void anAnswerIsAcknowledgedOrThrownAsItsChannel() {
        Batch ok = claimed(Action.ADD);
        sender.record(ok, GraphResponse.of(200, Map.of(), "{\"num_received\":2,\"num_invalid_entries\":0}"));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM mas_batch WHERE id=?", Integer.class, ok.id())).isZero();

        Batch b = claimed(Action.ADD);
        assertThatThrownBy(() -> sender.record(b, GraphResponse.of(503, Map.of(), "<html>busy</html>"))).isInstanceOf(RetryableGraphException.class);
        assertThatThrownBy(() -> sender.record(b, GraphResponse.noAnswer(new SocketTimeoutException("Read timed out"))))
                .isInstanceOf(RetryableGraphException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> sender.record(b, GraphResponse.of(400, Map.of(), "{\"error\":{\"code\":100,\"message\":\"Invalid parameter\"}}")))
                .isInstanceOf(PermanentGraphException.class);
        assertThatThrownBy(() -> sender.record(b, GraphResponse.of(400, Map.of(), "{\"error\":{\"code\":190,\"message\":\"Error validating access token\"}}")))
                .isInstanceOf(AccountPausedException.class);
    }

    @Test
    void aRetryableFailureIsStoredWithTheBatchUntilItsAttemptsAreUsedUp() {
        Batch b = claimed(Action.ADD);
        RetryableGraphException failure = new RetryableGraphException(GraphErrorClassifier.classify(
                GraphResponse.of(500, Map.of(), "{\"error\":{\"code\":2,\"message\":\"Service unavailable\",\"is_transient\":true}}")));
        for (int attempt = 1; attempt < 3; attempt++) {
            assertThat(sender.exhausted(b, failure)).isFalse();
            sender.retryLater(b, failure);
            assertThat(row(b)).containsEntry("STATE", "READY").containsEntry("ATTEMPTS", attempt);
            jdbc.update("UPDATE mas_batch SET next_attempt_at=0 WHERE id=?", b.id());
            b = store.claimReady(1, List.of()).get(0);
        }
        assertThat(sender.exhausted(b, failure)).as("third attempt of sync.retry.max-attempts=3").isTrue();
        sender.deadLetter(b, failure);
        Map<String, Object> dead = jdbc.queryForMap("SELECT reason, code, attempts FROM mas_dead_letter WHERE batch_id=?", b.id());
        assertThat((String) dead.get("REASON")).startsWith("gave up after 3 attempts").contains("Service unavailable");
        assertThat(dead).containsEntry("CODE", "2").containsEntry("ATTEMPTS", 3);
    }

    @Test
    void anAuthFailurePausesSendingAndPutsTheBatchBackWithoutAnAttempt() {
        Batch b = claimed(Action.ADD);
        AccountPausedException failure = new AccountPausedException(GraphErrorClassifier.classify(
                GraphResponse.of(400, Map.of(), "{\"error\":{\"code\":190,\"message\":\"Error validating access token\"}}")));
        sender.pause(b, failure);
        assertThat(gate.isOpen()).isFalse();
        assertThat(row(b)).containsEntry("STATE", "READY").containsEntry("ATTEMPTS", 0);
        assertThat(sender.workers()).as("no worker while paused").isEmpty();
        assertThat(sender.claim()).isNull();
    }

    @Test
    void responseHeadersAreReadCaseInsensitively() throws IOException {
        GraphResponse r = GraphResponse.of(429, Map.of("retry-after", "7", "X-Business-Use-Case-Usage", List.of("{}")), "");
        assertThat(r.header("Retry-After")).isEqualTo("7");
        assertThat(r.header("x-business-use-case-usage")).isEqualTo("{}");
    }
}
