package com.metaaudiencesync.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Everything under {@code sync.*} (CONTRACT §2, §7). */
@ConfigurationProperties(prefix = "sync")
public class SyncProperties {
    private String inbox = "data/inbox";
    private String outbox = "data/outbox";
    private boolean dryRun = false;
    private String defaultCountry;
    private int batchSize = 10000;
    private Duration batchTimeout = Duration.ofSeconds(5);
    /** rows per exchange moved through the intake routes */
    private int chunkSize = 1000;
    /** threads that normalize and hash a file's rows (0: one per core, at most 2) */
    private int normalizeThreads = 0;
    /**
     * where a batch's rows wait for Meta: {@code auto} (in files next to an H2 file database, in the database
     * otherwise) or {@code database} (always in the payload column)
     */
    private String payloadStore = "auto";
    /** identifies this instance in claims and leases; default host:port */
    private String instanceId;
    /** how long a claim on a file or a batch lives without renewal */
    private Duration leaseTime = Duration.ofSeconds(60);
    private final Retry retry = new Retry();
    private final Send send = new Send();
    private final Webhook webhook = new Webhook();
    private List<PollJob> polls = new ArrayList<>();
    private final Guard guard = new Guard();

    /** The mass-removal guard (docs/guard-rails.md): runs and replace files that would shrink an audience too far are held. */
    public static class Guard {
        /** a run or .replace file that would remove more than this share (0-100) of the audience's known members is held; 100 turns it off */
        private int maxRemovalPercent = 50;
        /** a mirror/replace run whose source returns fewer rows than this share (0-100) of the last successful run is held; 0 turns it off */
        private int minSourcePercent = 50;
        public int getMaxRemovalPercent() { return maxRemovalPercent; }
        public void setMaxRemovalPercent(int v) { maxRemovalPercent = v; }
        public int getMinSourcePercent() { return minSourcePercent; }
        public void setMinSourcePercent(int v) { minSourcePercent = v; }
    }

    public Guard getGuard() { return guard; }

    public static class Retry {
        private Duration initialDelay = Duration.ofSeconds(1);
        private Duration maxDelay = Duration.ofSeconds(60);
        private int maxAttempts = 10;
        /** give up on a batch after this long since its first failure, even with attempts left */
        private Duration maxTotal = Duration.ofHours(24);
        public Duration getInitialDelay() { return initialDelay; }
        public void setInitialDelay(Duration v) { initialDelay = v; }
        public Duration getMaxDelay() { return maxDelay; }
        public void setMaxDelay(Duration v) { maxDelay = v; }
        public int getMaxAttempts() { return maxAttempts; }
        public void setMaxAttempts(int v) { maxAttempts = v; }
        public Duration getMaxTotal() { return maxTotal; }
        public void setMaxTotal(Duration v) { maxTotal = v; }
    }

    public static class Send {
        /** concurrent Graph requests per ad account */
        private int concurrency = 2;
        /** ceiling on Graph requests per second per ad account */
        private double maxRequestsPerSecond = 20;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(120);
        /** how often the sender looks for ready batches when idle */
        private Duration pollInterval = Duration.ofMillis(200);
        /** how often a blocked account (auth, terms, permissions) is probed */
        private Duration probeInterval = Duration.ofSeconds(30);
        /** removes are sent in smaller requests (Meta's own SDK users report failures above ~2000) */
        private int removeBatchSize = 10000;
        public int getConcurrency() { return concurrency; }
        public void setConcurrency(int v) { concurrency = v; }
        public double getMaxRequestsPerSecond() { return maxRequestsPerSecond; }
        public void setMaxRequestsPerSecond(double v) { maxRequestsPerSecond = v; }
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration v) { connectTimeout = v; }
        public Duration getRequestTimeout() { return requestTimeout; }
        public void setRequestTimeout(Duration v) { requestTimeout = v; }
        public Duration getPollInterval() { return pollInterval; }
        public void setPollInterval(Duration v) { pollInterval = v; }
        public Duration getProbeInterval() { return probeInterval; }
        public void setProbeInterval(Duration v) { probeInterval = v; }
        public int getRemoveBatchSize() { return removeBatchSize; }
        public void setRemoveBatchSize(int v) { removeBatchSize = v; }
    }

    private final File file = new File();
    public File getFile() { return file; }

    /** sync.file.*: the inbox consumer's poll-delay/read-lock settings are read by routes/intake-file.camel.yaml */
    public static class File {
        /** a file's batches waiting for Meta above which reading pauses (backpressure); 0 = no bound */
        private int maxQueuedBatches = 20;
        private long pollDelay = 500;
        private long readLockCheckInterval = 500;
        private long readLockTimeout = 20000;
        public int getMaxQueuedBatches() { return maxQueuedBatches; }
        public void setMaxQueuedBatches(int v) { maxQueuedBatches = v; }
        public long getPollDelay() { return pollDelay; }
        public void setPollDelay(long v) { pollDelay = v; }
        public long getReadLockCheckInterval() { return readLockCheckInterval; }
        public void setReadLockCheckInterval(long v) { readLockCheckInterval = v; }
        public long getReadLockTimeout() { return readLockTimeout; }
        public void setReadLockTimeout(long v) { readLockTimeout = v; }
    }

    public static class Webhook {
        private String secret;
        private String token;
        private String writeKey;
        private DataSize maxBytes = DataSize.ofMegabytes(5);
        private Duration idempotencyWindow = Duration.ofDays(7);
        /** pending webhook rows above which new requests get 503 (bounded backlog) */
        private long maxPendingRows = 5_000_000;
        /** port of the dedicated webhook listener (Camel platform-http on Vert.x); null = none, 0 = any free port */
        private Integer port;
        private String bindHost = "0.0.0.0";
        /** live mode without a credential: true keeps webhooks open (otherwise they answer 401) */
        private boolean allowUnauthenticated = false;
        public boolean isAllowUnauthenticated() { return allowUnauthenticated; }
        public void setAllowUnauthenticated(boolean v) { allowUnauthenticated = v; }
        public Integer getPort() { return port; }
        public void setPort(Integer v) { port = v; }
        public String getBindHost() { return bindHost; }
        public void setBindHost(String v) { bindHost = v; }
        public String getSecret() { return secret; }
        public void setSecret(String v) { secret = v; }
        public String getToken() { return token; }
        public void setToken(String v) { token = v; }
        public String getWriteKey() { return writeKey; }
        public void setWriteKey(String v) { writeKey = v; }
        public DataSize getMaxBytes() { return maxBytes; }
        public void setMaxBytes(DataSize v) { maxBytes = v; }
        public Duration getIdempotencyWindow() { return idempotencyWindow; }
        public void setIdempotencyWindow(Duration v) { idempotencyWindow = v; }
        public long getMaxPendingRows() { return maxPendingRows; }
        public void setMaxPendingRows(long v) { maxPendingRows = v; }
    }

    public static class PollJob {
        private String name;
        private String cron;
        private String audience;
        private String audienceId;
        private String mode = "upsert";
        private final Source source = new Source();
        public String getName() { return name; }
        public void setName(String v) { name = v; }
        public String getCron() { return cron; }
        public void setCron(String v) { cron = v; }
        public String getAudience() { return audience; }
        public void setAudience(String v) { audience = v; }
        public String getAudienceId() { return audienceId; }
        public void setAudienceId(String v) { audienceId = v; }
        public String getMode() { return mode; }
        public void setMode(String v) { mode = v; }
        public Source getSource() { return source; }
    }

    public static class Source {
        private String type;
        private String url;
        private String query;
        private String username;
        private String password;
        private String token;
        private String path;
        public String getType() { return type; }
        public void setType(String v) { type = v; }
        public String getUrl() { return url; }
        public void setUrl(String v) { url = v; }
        public String getQuery() { return query; }
        public void setQuery(String v) { query = v; }
        public String getUsername() { return username; }
        public void setUsername(String v) { username = v; }
        public String getPassword() { return password; }
        public void setPassword(String v) { password = v; }
        public String getToken() { return token; }
        public void setToken(String v) { token = v; }
        public String getPath() { return path; }
        public void setPath(String v) { path = v; }
    }

    public String getInbox() { return inbox; }
    public void setInbox(String v) { inbox = v; }
    public String getOutbox() { return outbox; }
    public void setOutbox(String v) { outbox = v; }
    public boolean isDryRun() { return dryRun; }
    public void setDryRun(boolean v) { dryRun = v; }
    public String getDefaultCountry() { return defaultCountry; }
    public void setDefaultCountry(String v) { defaultCountry = v; }
    public int getBatchSize() { return batchSize; }
    public void setBatchSize(int v) { batchSize = v; }
    public Duration getBatchTimeout() { return batchTimeout; }
    public void setBatchTimeout(Duration v) { batchTimeout = v; }
    public int getChunkSize() { return chunkSize; }
    public void setChunkSize(int v) { chunkSize = v; }
    public String getPayloadStore() { return payloadStore; }
    public void setPayloadStore(String v) { payloadStore = v; }
    public int getNormalizeThreads() { return normalizeThreads; }
    public void setNormalizeThreads(int v) { normalizeThreads = v; }
    public String getInstanceId() { return instanceId; }
    public void setInstanceId(String v) { instanceId = v; }
    public Duration getLeaseTime() { return leaseTime; }
    public void setLeaseTime(Duration v) { leaseTime = v; }
    public Retry getRetry() { return retry; }
    public Send getSend() { return send; }
    public Webhook getWebhook() { return webhook; }
    public List<PollJob> getPolls() { return polls; }
    public void setPolls(List<PollJob> v) { polls = v; }
}
