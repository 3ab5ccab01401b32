package com.metaaudiencesync.config;

import com.metaaudiencesync.intake.FileClaimRepository;
import com.metaaudiencesync.intake.FileIntake;
import com.metaaudiencesync.lifecycle.IntakeGate;
import com.metaaudiencesync.meta.AudienceResolver;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.send.AccountGate;
import com.metaaudiencesync.send.BatchSender;
import com.metaaudiencesync.send.GraphCalls;
import com.metaaudiencesync.send.GraphPoster;
import com.metaaudiencesync.send.GraphRequests;
import com.metaaudiencesync.send.RequestPacer;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.ops.AudienceRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.spi.ComponentCustomizer;
import com.metaaudiencesync.store.BatchStore;
import com.metaaudiencesync.store.IntakeStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.InetAddress;
import java.nio.file.Path;
import com.metaaudiencesync.store.PayloadSpool;
import com.metaaudiencesync.store.PendingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** Wires the plain-Java stages the Camel routes call by bean name. */
@Configuration
public class CoreBeans {
    private static final Logger log = LoggerFactory.getLogger(CoreBeans.class);

    /** Runs first (everything else depends on it): refuses to start on bad configuration. */
    @Bean
    public static BeanFactoryPostProcessor configurationCheck(Environment env) {
        return bf -> {
            Binder b = Binder.get(env);
            MetaProperties meta = b.bind("meta", MetaProperties.class).orElseGet(MetaProperties::new);
            SyncProperties sync = b.bind("sync", SyncProperties.class).orElseGet(SyncProperties::new);
            StartupValidator.validate(meta, sync);
        };
    }

    /**
     * An embedded H2 database closes itself in a JVM shutdown hook unless its URL says {@code DB_CLOSE_ON_EXIT=FALSE}:
     * then, at SIGTERM, the graceful shutdown's last work (acknowledging a batch Meta has just answered, storing a
     * file's last batch) met "Database is already closed" (seen in the service log of a run given a plain
     * {@code jdbc:h2:file:...} URL). The option is added to such URLs; the pool closes the database after the routes
     * have stopped.
     */
    @Bean
    public static BeanPostProcessor h2CloseOnExitOff() {
        return new BeanPostProcessor() {
            @Override public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof DataSourceProperties p && p.getUrl() != null) p.setUrl(h2Url(p.getUrl()));
                return bean;
            }
        };
    }

    /** {@code url} with {@code ;DB_CLOSE_ON_EXIT=FALSE} when it opens an embedded H2 file database without saying */
    public static String h2Url(String url) {
        String u = url.toUpperCase(Locale.ROOT);
        if (!u.startsWith("JDBC:H2:") || u.startsWith("JDBC:H2:MEM:") || u.startsWith("JDBC:H2:TCP:") || u.startsWith("JDBC:H2:SSL:")
                || u.contains(";DB_CLOSE_ON_EXIT=")) return url;
        return url + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    @Bean
    public String instanceId(SyncProperties sync, @Value("${server.port:8080}") String port) {
        if (sync.getInstanceId() != null && !sync.getInstanceId().isBlank()) return sync.getInstanceId();
        String host;
        try { host = InetAddress.getLocalHost().getHostName(); } catch (Exception e) { host = "localhost"; }
        return host + ":" + port + ":" + Path.of(sync.getInbox()).toAbsolutePath().normalize().hashCode();
    }

    @Bean
    public boolean dryRunMode(SyncProperties sync, MetaProperties meta) {
        boolean dry = sync.isDryRun() || !meta.hasToken();
        if (dry) {
            log.warn("DRY-RUN: {} — batches are written to {} and nothing is sent to Meta",
                    meta.hasToken() ? "sync.dry-run=true" : "no Meta access token is configured (set META_ACCESS_TOKEN to send)",
                    Path.of(sync.getOutbox()).toAbsolutePath());
        }
        return dry;
    }

    @Bean
    public SyncMetrics syncMetrics(MeterRegistry registry) { return new SyncMetrics(registry); }

    /**
     * Crash safety needs a commit to be on disk when it returns: the file leaves the inbox right after its last
     * batch is committed, and a batch is deleted right after Meta acknowledged it. H2 by default keeps up to
     * 500 ms of commits in memory (WRITE_DELAY), which a kill -9 loses. For an H2 file database the delay is set
     * to 0 here, whatever the configured URL says.
     */
    public static void h2Durability(JdbcTemplate jdbc) { h2Durability(jdbc, Runtime.getRuntime().maxMemory()); }

    /** @param maxHeapBytes the heap the H2 page cache is sized from ({@link #h2CacheKb}) */
    public static void h2Durability(JdbcTemplate jdbc, long maxHeapBytes) {
        try (Connection c = jdbc.getDataSource().getConnection()) {
            String product = c.getMetaData().getDatabaseProductName();
            String url = c.getMetaData().getURL();
            if ("H2".equalsIgnoreCase(product) && url != null && !url.startsWith("jdbc:h2:mem:")) {
                try (Statement st = c.createStatement()) { st.execute("SET WRITE_DELAY 0"); }
                if (!url.toUpperCase(Locale.ROOT).contains("CACHE_SIZE=")) {
                    try (Statement st = c.createStatement()) { st.execute("SET CACHE_SIZE " + h2CacheKb(maxHeapBytes)); }
                }
            }
            if ("H2".equalsIgnoreCase(product)) h2LobPayloads(c);
        } catch (SQLException e) {
            log.warn("H2 set-up incomplete (WRITE_DELAY 0, cache size, BLOB payloads): {}", e.getMessage());
        }
    }

    /**
     * H2's page cache in KB: 1/128 of the heap, between 1 MB and H2's default 16 MB (a URL's CACHE_SIZE wins). Every
     * payload passes through this cache; a large one in a small heap kept the old generation busy.
     */
    public static long h2CacheKb(long maxHeapBytes) {
        return Math.max(1024, Math.min(16 * 1024, maxHeapBytes / 128 / 1024));
    }

    static void h2LobPayloads(Connection c) throws SQLException {
        for (String table : new String[] {"MAS_BATCH", "MAS_DEAD_LETTER"}) {
            String type = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME=? AND COLUMN_NAME='PAYLOAD'")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) { if (rs.next()) type = rs.getString(1); }
            }
            if (type != null && !type.contains("LARGE OBJECT")) {
                try (Statement st = c.createStatement()) { st.execute("ALTER TABLE " + table + " ALTER COLUMN payload SET DATA TYPE BLOB"); }
            }
        }
    }

    @Bean
    public BatchStore batchStore(JdbcTemplate jdbc, TransactionTemplate tx, String instanceId, SyncProperties sync) throws IOException {
        h2Durability(jdbc);
        boolean auto = "auto".equals(sync.getPayloadStore());
        Path dir = spoolDir(jdbc);
        // with sync.payload-store=database an existing spool directory is still read (batches stored there before)
        PayloadSpool spool = dir == null || (!auto && !Files.isDirectory(dir)) ? null
                : new PayloadSpool(dir);
        BatchStore store = new BatchStore(jdbc, tx, instanceId, Math.max(sync.getLeaseTime().toMillis(), sync.getSend().getRequestTimeout().toMillis() * 2),
                spool, auto);
        if (spool != null) {
            int swept = store.sweepSpool(SPOOL_GRACE_MILLIS);
            log.info("Batch payloads are {} {}{}", auto ? "kept in" : "kept in the database; earlier batches are read from", spool.dir(),
                    swept > 0 ? " (" + swept + " files no batch refers to, left by an interruption, deleted)" : "");
        }
        return store;
    }

    /** Every 30 minutes: payload files left by an interruption (see {@link BatchStore#sweepSpool}); stopped with the context. */
    @Bean
    public SpoolSweeper spoolSweeper(BatchStore store) { return new SpoolSweeper(store); }

    /** the periodic clean-up of the payload directory (a bean of its own type, closed with the context) */
    public static final class SpoolSweeper implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mas-spool-sweep");
            t.setDaemon(true);
            return t;
        });

        SpoolSweeper(BatchStore store) {
            if (store.spool() == null) return;
            timer.scheduleWithFixedDelay(() -> {
                try { store.sweepSpool(SPOOL_GRACE_MILLIS); } catch (RuntimeException e) { log.warn("payload directory clean-up failed: {}", e.toString()); }
            }, 30, 30, TimeUnit.MINUTES);
        }

        @Override public void close() { timer.shutdownNow(); }
    }

    /** an unreferenced payload file younger than this may belong to a batch whose row is being committed: kept */
    static final long SPOOL_GRACE_MILLIS = 10 * 60_000L;

    /**
     * {@code <database>.spool} next to an embedded H2 file database ({@code DATABASE_PATH()}), null for any other
     * database (PostgreSQL or an H2 server: instances may share it from several hosts, so payloads stay in it; an
     * in-memory H2 keeps nothing anyway).
     */
    public static Path spoolDir(JdbcTemplate jdbc) {
        try (Connection c = jdbc.getDataSource().getConnection()) {
            if (!"H2".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) return null;
            String url = String.valueOf(c.getMetaData().getURL()).toLowerCase(Locale.ROOT);
            // an H2 server (tcp/ssl) may be shared by processes on other hosts, and its path is the server's: payloads stay in it
            if (url.startsWith("jdbc:h2:tcp:") || url.startsWith("jdbc:h2:ssl:")) return null;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CALL DATABASE_PATH()")) {
                String path = rs.next() ? rs.getString(1) : null;
                return path == null ? null : Path.of(path + ".spool");
            }
        } catch (SQLException e) {
            log.warn("could not find the H2 database's path ({}); batch payloads are kept in the database", e.getMessage());
            return null;
        }
    }

    @Bean
    public IntakeStore intakeStore(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches, String instanceId, SyncProperties sync) {
        return new IntakeStore(jdbc, tx, batches, instanceId, sync.getLeaseTime().toMillis());
    }

    @Bean
    public PendingStore pendingStore(JdbcTemplate jdbc, TransactionTemplate tx, BatchStore batches, SyncProperties sync) {
        return new PendingStore(jdbc, tx, batches).configure(sync.getBatchSize(), sync.getBatchTimeout().toMillis());
    }

    @Bean
    public FileClaimRepository fileClaims(IntakeStore intakes) { return new FileClaimRepository(intakes); }

    @Bean
    public RowBuilder rowBuilder(SyncProperties sync) { return new RowBuilder(sync.getDefaultCountry()); }

    @Bean
    public FileIntake fileIntake(SyncProperties sync, IntakeStore intakes, RowBuilder rows, SyncMetrics metrics, boolean dryRunMode, IntakeGate gate) {
        FileIntake f = new FileIntake(sync, intakes, rows, metrics);
        f.setDryRun(dryRunMode);
        f.setStopping(() -> gate.state() == IntakeGate.State.DRAINING);
        return f;
    }

    @Bean
    public GraphClient graphClient(MetaProperties meta, SyncProperties sync) {
        return new GraphClient(meta, sync.getSend().getConnectTimeout(), sync.getSend().getRequestTimeout());
    }

    @Bean
    public AudienceResolver audienceResolver(GraphClient graph, MetaProperties meta, JdbcTemplate jdbc, String instanceId) {
        return new AudienceResolver(graph, meta, jdbc, instanceId);
    }

    @Bean
    public AccountGate accountGate() { return new AccountGate(); }

    /** user route files, loaded beside the service's routes */
    @Bean
    public UserRouteFiles userRouteFiles(@Value("${sync.routes-dir:config/routes}") String dir) { return new UserRouteFiles(Path.of(dir)); }

    @Bean
    public GraphRequests graphRequests(GraphClient graph) { return new GraphRequests(graph); }

    /** the send throttle: sync.send.max-requests-per-second, shared by every POST */
    @Bean
    public RequestPacer requestPacer(SyncProperties sync) { return new RequestPacer(sync.getSend().getMaxRequestsPerSecond()); }

    @Bean
    public GraphCalls graphCalls(SyncMetrics metrics, GraphClient graph) { return new GraphCalls(metrics, graph); }

    /** Java callers (replace sessions) POST through the same route as the send route: direct:graph-post. */
    @Bean
    public GraphPoster graphPoster(ProducerTemplate template) {
        return (path, op, body) -> {
            Exchange done = template.send("direct:graph-post", e -> {
                e.setProperty("graphPath", path);
                e.setProperty("graphOp", op);
                e.getIn().setBody(body);
            });
            if (done.getException() != null) throw new IllegalStateException("Graph POST failed", done.getException());
            return done.getMessage().getBody(GraphResponse.class);
        };
    }

    /**
     * camel-http timeouts from sync.send.connect-timeout / request-timeout (a reply slower than that is retried);
     * JVM proxy and TLS system properties apply, as they did to the JDK client used before.
     */
    @Bean
    public ComponentCustomizer httpTimeouts(SyncProperties sync) {
        return ComponentCustomizer.forType(HttpComponent.class, c -> {
            c.setUseSystemProperties(true);
            c.setConnectTimeout(sync.getSend().getConnectTimeout().toMillis());
            c.setConnectionRequestTimeout(sync.getSend().getRequestTimeout().toMillis());
            c.setResponseTimeout(sync.getSend().getRequestTimeout().toMillis());
            c.setSoTimeout(sync.getSend().getRequestTimeout().toMillis());
        });
    }

    @Bean
    public BatchSender batchSender(BatchStore store, AudienceResolver audiences, AccountGate gate, SyncProperties sync, MetaProperties meta,
                                   SyncMetrics metrics, boolean dryRunMode, FileIntake fileIntake, GraphRequests requests, GraphPoster poster) {
        BatchSender s = new BatchSender(store, audiences, gate, sync, meta, metrics, dryRunMode, requests, poster);
        s.addListener(fileIntake);
        s.addListener(new AudienceRegistry(store.jdbc()));
        int released = store.releaseOwn();
        if (released > 0) log.info("{} batches this instance had in flight when it stopped go back to the queue (they may reach Meta twice)", released);
        return s;
    }
}
