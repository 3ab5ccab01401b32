package com.metaaudiencesync.poll;

import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

/**
 * The Quartz scheduler of the poll jobs: a JDBC job store (JobStoreTX) on the service's own database, so
 * triggers survive restarts (a fire time missed while the service was down runs once at start-up: misfire
 * instruction "fire once now"), clustered when sync.poll.clustered=true (PostgreSQLDelegate, instanceId AUTO:
 * every fire runs on exactly one instance). Quartz's tables are created from the DDL in the quartz jar when
 * missing. Created only when jobs are configured.
 */
public class PollScheduling implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollScheduling.class);
    public static final String GROUP = "polls";

    private final DataSource dataSource;
    private final PollProperties props;
    private final Set<String> jobNames;
    private Scheduler scheduler;

    public PollScheduling(DataSource dataSource, PollProperties props, Set<String> jobNames) {
        this.dataSource = dataSource;
        this.props = props;
        this.jobNames = jobNames;
    }

    public synchronized Scheduler scheduler() throws SchedulerException {
        if (scheduler == null) scheduler = create();
        return scheduler;
    }

    private Scheduler create() throws SchedulerException {
        boolean postgres;
        try (Connection c = dataSource.getConnection()) {
            postgres = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
        } catch (SQLException e) {
            throw new SchedulerException("cannot reach the database for the Quartz job store", e);
        }
        ensureTables(postgres);
        String ds = "masPoll-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(ds, new ConnectionProvider() {
            @Override public Connection getConnection() throws SQLException { return dataSource.getConnection(); }
            @Override public void shutdown() { }
            @Override public void initialize() { }
        });
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", props.getSchedulerName());
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(Math.max(1, props.getThreads())));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "poll-quartz");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", postgres ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
                : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", ds);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", String.valueOf(props.isClustered()));
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(props.getClusterCheckinInterval().toMillis()));
        p.setProperty("org.quartz.jobStore.misfireThreshold", String.valueOf(props.getMisfireThreshold().toMillis()));
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        Scheduler s;
        SchedulerRepository repo = SchedulerRepository.getInstance();
        synchronized (repo) {
            // not kept in Quartz's JVM-wide repository: several application contexts in one JVM (tests) get their own
            s = new StdSchedulerFactory(p).getScheduler();
            repo.remove(s.getSchedulerName());
        }
        // triggers of jobs no longer configured would fire into nothing
        for (TriggerKey k : s.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP))) {
            if (!jobNames.contains(k.getName())) {
                log.info("Poll job {} is no longer configured: its schedule is removed", k.getName());
                s.unscheduleJob(k);
            }
        }
        log.info("Poll scheduler: Quartz JDBC job store on {} ({}), {} jobs", postgres ? "PostgreSQL" : "the service database",
                props.isClustered() ? "clustered, instance " + s.getSchedulerInstanceId() : "not clustered", jobNames.size());
        return s;
    }

    /** Creates Quartz's tables from the DDL shipped in the quartz jar, when they are missing (never drops anything). */
    void ensureTables(boolean postgres) throws SchedulerException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            try {
                st.execute("SELECT COUNT(*) FROM QRTZ_LOCKS");
                return;
            } catch (SQLException missing) {
                // create below
            }
            String script = "org/quartz/impl/jdbcjobstore/" + (postgres ? "tables_postgres.sql" : "tables_h2.sql");
            String sql;
            try (InputStream in = Scheduler.class.getClassLoader().getResourceAsStream(script)) {
                if (in == null) throw new SchedulerException("Quartz DDL " + script + " not found on the classpath");
                sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            StringBuilder clean = new StringBuilder();
            for (String line : sql.split("\n")) {
                String t = line.trim();
                if (t.startsWith("--") || t.startsWith("#")) continue;
                clean.append(line).append('\n');
            }
            int n = 0;
            for (String stmt : clean.toString().split(";")) {
                String t = stmt.trim();
                String u = t.toUpperCase(Locale.ROOT);
                if (t.isEmpty() || u.startsWith("DROP") || u.equals("COMMIT")) continue;
                try {
                    st.execute(t);
                    n++;
                } catch (SQLException e) {
                    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                    if (!m.contains("exist")) throw e; // another instance created it at the same moment
                }
            }
            log.info("Created the Quartz job store tables ({} statements from {})", n, script);
        } catch (SQLException | IOException e) {
            throw new SchedulerException("cannot create the Quartz job store tables: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            try {
                scheduler.shutdown(true);
            } catch (SchedulerException e) {
                log.warn("Quartz scheduler shutdown: {}", e.toString());
            }
            scheduler = null;
        }
    }
}
