package com.metaaudiencesync.fake;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A real HTTP fake of the Meta Graph API Custom Audience endpoints (see /work/shared/meta-api.md), for tests and
 * benchmarks. Binds 127.0.0.1 on an ephemeral port (or a given port) and serves with a small thread pool.
 *
 * <p>Paths must start with a version prefix {@code /vNN.N/}. Supported:
 * <ul>
 *   <li>{@code GET /act_{id}/customaudiences?fields=id,name&limit=N&after=CURSOR} (cursor paging)</li>
 *   <li>{@code POST /act_{id}/customaudiences} (create; name, subtype=CUSTOM, customer_file_source)</li>
 *   <li>{@code GET /act_{id}?fields=tos_accepted}</li>
 *   <li>{@code GET /{audience_id}?fields=...}, {@code POST /{audience_id}} (update name/description),
 *       {@code DELETE /{audience_id}}</li>
 *   <li>{@code POST /{audience_id}/users} (add; with method=DELETE removes), {@code DELETE /{audience_id}/users}</li>
 *   <li>{@code POST /{audience_id}/usersreplace} (session required)</li>
 *   <li>{@code DELETE /act_{id}/usersofanyaudience}, {@code POST /act_{id}/usersofanyaudience} with method=DELETE</li>
 * </ul>
 * Bodies: {@code application/json} object of all params, or {@code application/x-www-form-urlencoded} where dict
 * params are JSON strings. Query parameters are merged in (body wins). gzip request bodies are accepted.
 *
 * <p>Membership is a set per audience of rows joined with {@code '|'} in schema order (for a single-key schema the
 * row is the single cell). Removal with the audience's own schema removes exact rows; removal with another schema
 * (e.g. EXTERN_ID only) removes every member whose columns of the same names equal all non-empty cells of the row.
 *
 * <p>The fake never logs tokens; {@link RecordedRequest#query()} has token and proof values redacted.
 *
 * <p>Typical use:
 * <pre>{@code
 * try (FakeGraphApi fake = FakeGraphApi.start("tok")) {
 *     String graphBase = fake.baseUrl() + "/v25.0";          // point the service here
 *     String id = fake.seedAudience("act_1", "VIP");           // or let the service create it
 *     fake.failNext("/users", 2, Fault.bucThrottle("1", 1));   // next two /users calls are throttled
 *     ... run the service ...
 *     assertThat(fake.membership(id)).containsExactlyInAnyOrder(sha256(email) + "|" + sha256(phone));
 *     assertThat(fake.payloadInUrlCount()).isZero();
 * }
 * }</pre>
 *
 * <p>Note for GET faults: {@code java.net.http.HttpClient} silently retries an idempotent GET once after a dropped
 * connection, so queue two drops to make a GET fail for such a client.
 */
public final class FakeGraphApi implements AutoCloseable {

    /** Meta's documented maximum rows per /users or /usersreplace request. */
    public static final int MAX_ROWS_PER_REQUEST = 10_000;
    /** Default page size of GET /act_{id}/customaudiences. */
    public static final int DEFAULT_PAGE_SIZE = 25;
    /** Default maximum length of the raw query string; longer ones get an HTML 414 page. */
    public static final int DEFAULT_MAX_QUERY_BYTES = 65_000;

    static final Set<String> MULTI_KEYS = Set.of("EXTERN_ID", "EMAIL", "PHONE", "GEN", "DOBY", "DOBM", "DOBD", "LN",
            "FN", "FI", "CT", "ST", "ZIP", "COUNTRY", "MADID",
            "DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY", "DATA_PROCESSING_OPTIONS_STATE");
    static final Set<String> DPO_KEYS = Set.of("DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY",
            "DATA_PROCESSING_OPTIONS_STATE");
    /** Keys whose values are not SHA-256 hashes (any string accepted). */
    static final Set<String> UNHASHED_KEYS = Set.of("EXTERN_ID", "MADID", "MOBILE_ADVERTISER_ID",
            "DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY", "DATA_PROCESSING_OPTIONS_STATE");
    static final Set<String> LEGACY_KEYS = Set.of("EMAIL_SHA256", "PHONE_SHA256", "MOBILE_ADVERTISER_ID");
    static final Set<String> FILE_SOURCES = Set.of("USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY",
            "BOTH_USER_AND_PARTNER_PROVIDED");

    private static final Pattern VERSIONED = Pattern.compile("^/(v\\d+\\.\\d+)(/.*)$");
    private static final Pattern ACT = Pattern.compile("^/act_(\\d+)$");
    private static final Pattern ACT_EDGE = Pattern.compile("^/act_(\\d+)/([a-z_]+)$");
    private static final Pattern NODE = Pattern.compile("^/(\\d+)$");
    private static final Pattern NODE_EDGE = Pattern.compile("^/(\\d+)/([a-z_]+)$");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    // ---------------------------------------------------------------- server & config

    private final HttpServer server;
    private final ExecutorService pool;
    private final String validToken;
    private final String baseUrl;
    private volatile String appSecret;
    private volatile boolean tokenValid = true;
    private volatile boolean termsAccepted = true;
    private volatile boolean countOnly;
    private volatile boolean strictHashing = true;
    private volatile int pageSize = DEFAULT_PAGE_SIZE;
    private volatile int maxQueryBytes = DEFAULT_MAX_QUERY_BYTES;
    private volatile Duration usersLatency = Duration.ZERO;
    private volatile boolean tokenInNextUrl = true;

    // ---------------------------------------------------------------- state

    private final Map<String, Audience> audiences = new ConcurrentHashMap<>();
    private final AtomicLong nextAudienceId = new AtomicLong(23_851_000_000_000_001L);
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> createCounts = new ConcurrentHashMap<>();
    private final Set<String> seenTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> versionsSeen = ConcurrentHashMap.newKeySet();
    private volatile String lastVersion;
    /** version → X-Ad-Api-Version-Warning value sent on every answer to a call under that version */
    private final Map<String, String> versionWarnings = new ConcurrentHashMap<>();
    /** versions Meta has retired: every call under them answers #2635 */
    private final Set<String> retiredVersions = ConcurrentHashMap.newKeySet();
    private final AtomicLong addRequests = new AtomicLong();
    private final AtomicLong removeRequests = new AtomicLong();
    private final AtomicLong replaceRequests = new AtomicLong();
    private final AtomicLong payloadInUrl = new AtomicLong();
    private final AtomicLong totalRowsReceived = new AtomicLong();
    private final Map<String, AtomicLong> sessionReceived = new ConcurrentHashMap<>();
    private final List<FaultEntry> faults = new ArrayList<>(); // guarded by itself

    private static final class FaultEntry {
        final String pathPattern;
        final Pattern regex;
        int remaining;
        final Fault fault;

        FaultEntry(String pathPattern, int remaining, Fault fault) {
            this.pathPattern = pathPattern;
            this.regex = pathPattern == null ? null : Pattern.compile(pathPattern);
            this.remaining = remaining;
            this.fault = fault;
        }

        boolean matches(String relPath) {
            return pathPattern == null || relPath.endsWith(pathPattern) || regex.matcher(relPath).matches();
        }
    }

    private static final class Audience {
        final String id;
        final String accountId;
        volatile String name;
        volatile String description;
        final String fileSource;
        final long created = Instant.now().getEpochSecond();
        List<String> schema; // fixed by the first add/replace; guarded by this
        final Set<String> members = new HashSet<>(); // guarded by this
        final AtomicLong received = new AtomicLong();
        // replace session state, guarded by this
        String replaceSession;
        Set<String> staging;
        final Set<String> finishedReplaceSessions = new HashSet<>();
        /** flagged by Meta's integrity review (health or financial status): operation_status 471, uploads refused */
        volatile boolean flagged;

        Audience(String id, String accountId, String name, String description, String fileSource) {
            this.id = id;
            this.accountId = accountId;
            this.name = name;
            this.description = description;
            this.fileSource = fileSource;
        }
    }

    static {
        // The JDK's HttpServer does not set TCP_NODELAY unless told to (read once, when its first server starts):
        // without it the response of a request with a large body waited for the client's delayed ACK, ~40 ms per
        // request on loopback, a latency the real Graph API does not have (Java HttpClient, 5.6 MB body: 74 -> 32 ms
        // per request one at a time, 42 -> 20 ms two at a time).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private FakeGraphApi(String validToken, int port, int threads) throws IOException {
        if (validToken == null || validToken.isEmpty()) {
            throw new IllegalArgumentException("validToken must be non-empty");
        }
        this.validToken = validToken;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 128);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "fake-graph-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts on 127.0.0.1, ephemeral port, 16 handler threads. */
    public static FakeGraphApi start(String validToken) {
        return start(validToken, 0, 16);
    }

    /** Starts on 127.0.0.1:{@code port} (0 = ephemeral) with {@code threads} handler threads. */
    public static FakeGraphApi start(String validToken, int port, int threads) {
        try {
            return new FakeGraphApi(validToken, port, threads);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start FakeGraphApi: " + e.getMessage(), e);
        }
    }

    /** e.g. {@code http://127.0.0.1:41234} (no trailing slash, no version). */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- configuration

    /** When set (non-null), every request must carry appsecret_proof = hex HMAC-SHA256(appSecret, token). */
    public FakeGraphApi setAppSecret(String appSecret) {
        this.appSecret = appSecret;
        return this;
    }

    /** false: every call fails with 190 (expired/invalidated token). */
    public FakeGraphApi setTokenValid(boolean valid) {
        this.tokenValid = valid;
        return this;
    }

    /** false: create and /users, /usersreplace fail with 200/1870090, and tos_accepted reads as {}. */
    public FakeGraphApi setTermsAccepted(boolean accepted) {
        this.termsAccepted = accepted;
        return this;
    }

    /** Validate shape and count rows but keep no membership (for benchmarks). */
    public FakeGraphApi setCountOnly(boolean countOnly) {
        this.countOnly = countOnly;
        return this;
    }

    /**
     * true (default): a hashed-key cell that is neither "" nor 64 lowercase hex rejects the whole request with
     * 400/100 (catches unhashed PII). false: such rows only count as invalid entries, like Meta does.
     */
    public FakeGraphApi setStrictHashing(boolean strict) {
        this.strictHashing = strict;
        return this;
    }

    /** Maximum page size of GET /act_{id}/customaudiences (the client's limit is capped to it). Default 25. */
    public FakeGraphApi setPageSize(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize < 1");
        }
        this.pageSize = pageSize;
        return this;
    }

    /** Query strings longer than this get an HTML 414 page (Meta fails long DELETE URLs). Default 65000. */
    public FakeGraphApi setMaxQueryBytes(int maxQueryBytes) {
        this.maxQueryBytes = maxQueryBytes;
        return this;
    }

    /**
     * true (default, like Meta): paging {@code next} URLs repeat the access_token (and appsecret_proof) that the
     * request carried in its query string. false: {@code next} holds no credentials and the client must add them.
     */
    public FakeGraphApi setTokenInNextUrl(boolean include) {
        this.tokenInNextUrl = include;
        return this;
    }

    /** Artificial latency added to every accepted /users, /usersreplace and /usersofanyaudience call. */
    public FakeGraphApi setUsersLatency(Duration latency) {
        this.usersLatency = latency == null ? Duration.ZERO : latency;
        return this;
    }

    /**
     * Queues {@code fault} for the next {@code n} requests whose path (without the version prefix) ends with
     * {@code pathPattern} or fully matches it as a regex. E.g. "/users" matches {@code /123/users} but not
     * {@code /123/usersreplace}; "/\\d+/users.*" matches all three user edges; null matches every path.
     * Entries are consumed FIFO: a request takes the first queued entry that matches it.
     */
    public FakeGraphApi failNext(String pathPattern, int n, Fault fault) {
        if (n < 1) {
            throw new IllegalArgumentException("n < 1");
        }
        synchronized (faults) {
            faults.add(new FaultEntry(pathPattern, n, fault));
        }
        return this;
    }

    /**
     * Every answer to a call under {@code version} (e.g. "v25.0") carries {@code X-Ad-Api-Version-Warning: value},
     * as Meta sends on a call it moved up from a retired version.
     */
    public FakeGraphApi warnVersion(String version, String value) {
        versionWarnings.put(version, value);
        return this;
    }

    /** Every call under {@code version} fails with Meta's #2635 "deprecated version" error (HTTP 400). */
    public FakeGraphApi retireVersion(String version) {
        retiredVersions.add(version);
        return this;
    }

    /** Queues {@code fault} for the next {@code n} requests on any path. */
    public FakeGraphApi failNext(int n, Fault fault) {
        return failNext(null, n, fault);
    }

    /** Number of fault applications still queued. */
    public int pendingFaults() {
        synchronized (faults) {
            return faults.stream().mapToInt(f -> f.remaining).sum();
        }
    }

    /** Clears queued faults only. */
    public void clearFaults() {
        synchronized (faults) {
            faults.clear();
        }
    }

    /**
     * Forgets all audiences, recordings, counters and queued faults, and restores tokenValid, termsAccepted,
     * countOnly, strictHashing, pageSize, maxQueryBytes, usersLatency and tokenInNextUrl to defaults. Keeps the valid token and the
     * app secret.
     */
    public void reset() {
        clearFaults();
        audiences.clear();
        requests.clear();
        createCounts.clear();
        seenTokens.clear();
        versionsSeen.clear();
        lastVersion = null;
        versionWarnings.clear();
        retiredVersions.clear();
        addRequests.set(0);
        removeRequests.set(0);
        replaceRequests.set(0);
        payloadInUrl.set(0);
        totalRowsReceived.set(0);
        sessionReceived.clear();
        tokenValid = true;
        termsAccepted = true;
        countOnly = false;
        strictHashing = true;
        pageSize = DEFAULT_PAGE_SIZE;
        maxQueryBytes = DEFAULT_MAX_QUERY_BYTES;
        usersLatency = Duration.ZERO;
        tokenInNextUrl = true;
    }

    /**
     * Flags an audience as Meta does since 2025-09 for audiences that may suggest health or financial status:
     * {@code operation_status} 471, and every {@code /users} and {@code /usersreplace} call on it answers
     * 100/1713230 "Audience Upload Blocked". False lifts the flag (an appeal that succeeded).
     */
    public FakeGraphApi setFlagged(String audienceId, boolean flagged) {
        Audience a = audiences.get(audienceId);
        if (a == null) throw new IllegalArgumentException("no audience " + audienceId);
        a.flagged = flagged;
        return this;
    }

    private static void flaggedCheck(Audience a) {
        if (a.flagged) {
            throw GraphError.of(100, 1713230, "(#100) Audience Upload Blocked: This audience can't be updated because it may"
                    + " suggest information about people's health or financial status.");
        }
    }

    /** Creates an audience directly (no HTTP, not counted by createCount). Returns its id. */
    private final AtomicLong lduRows = new AtomicLong();
    private volatile String lastLdu;

    /** rows received with DATA_PROCESSING_OPTIONS containing "LDU" (Limited Data Use) */
    public long lduRowCount() { return lduRows.get(); }

    /** the DATA_PROCESSING_OPTIONS, _COUNTRY and _STATE cells of the last LDU row, joined by '|' */
    public String lastLdu() { return lastLdu; }

    public String seedAudience(String adAccountId, String name) {
        return newAudience(stripAct(adAccountId), name, null, "USER_PROVIDED_ONLY").id;
    }

    // ---------------------------------------------------------------- assertions

    /** Every request received, in order of completion, recorded just before the answer is written (thread-safe snapshot). */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Snapshot of the members of an audience (rows joined by '|'); empty for unknown ids or in countOnly mode. */
    public Set<String> membership(String audienceId) {
        Audience a = audiences.get(audienceId);
        if (a == null) {
            return Set.of();
        }
        synchronized (a) {
            return Set.copyOf(a.members);
        }
    }

    /** The audience's fixed schema (null before the first add/replace or for unknown ids). */
    public List<String> schemaOf(String audienceId) {
        Audience a = audiences.get(audienceId);
        if (a == null) {
            return null;
        }
        synchronized (a) {
            return a.schema == null ? null : List.copyOf(a.schema);
        }
    }

    /** Id of the most recently created audience with that name, or null. */
    public String audienceIdByName(String name) {
        String best = null;
        for (Audience a : audiences.values()) {
            if (a.name.equals(name) && (best == null || Long.parseLong(a.id) > Long.parseLong(best))) {
                best = a.id;
            }
        }
        return best;
    }

    /** Ids of all audiences currently existing. */
    public Set<String> audienceIds() {
        return Set.copyOf(audiences.keySet());
    }

    /** Successful HTTP creates for this name. */
    public int createCount(String name) {
        AtomicInteger c = createCounts.get(name);
        return c == null ? 0 : c.get();
    }

    /** Rows (valid or not) received by accepted /users add+remove and /usersreplace requests for this audience. */
    public long receivedRowCount(String audienceId) {
        Audience a = audiences.get(audienceId);
        return a == null ? 0 : a.received.get();
    }

    /** Rows received by all accepted upload requests (including usersofanyaudience). */
    public long totalRowsReceived() {
        return totalRowsReceived.get();
    }

    /** Accepted (HTTP 200) /users add requests. */
    public long addRequestCount() {
        return addRequests.get();
    }

    /** Accepted (HTTP 200) removal requests (/users DELETE or method=DELETE, and usersofanyaudience). */
    public long removeRequestCount() {
        return removeRequests.get();
    }

    /** Accepted (HTTP 200) /usersreplace requests. */
    public long replaceRequestCount() {
        return replaceRequests.get();
    }

    /** Requests of any kind that carried a {@code payload} parameter in the URL query string. */
    public long payloadInUrlCount() {
        return payloadInUrl.get();
    }

    /** Every access_token value seen (valid or not). For assertions only; never log these. */
    public Set<String> seenTokens() {
        return Set.copyOf(seenTokens);
    }

    /** Every version prefix seen, e.g. "v25.0". */
    public Set<String> versionsSeen() {
        return Set.copyOf(versionsSeen);
    }

    /** Version prefix of the latest request with a valid prefix, or null. */
    public String lastVersion() {
        return lastVersion;
    }

    public boolean isCountOnly() {
        return countOnly;
    }

    // ---------------------------------------------------------------- request handling

    private static final class Params {
        final Map<String, String> scalars = new HashMap<>();
        PayloadParser.Payload payload;
        Map<String, String> session;
        String queryToken;
        String queryProof;

        String get(String k) {
            return scalars.get(k);
        }
    }

    private static final class Reply {
        final int status;
        final String body;
        final String contentType;
        final Map<String, String> headers;

        Reply(int status, String body, String contentType, Map<String, String> headers) {
            this.status = status;
            this.body = body;
            this.contentType = contentType;
            this.headers = headers;
        }

        static Reply json(Object node) {
            try {
                return new Reply(200, MAPPER.writeValueAsString(node), "application/json; charset=UTF-8", Map.of());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void handle(HttpExchange ex) {
        Instant received = Instant.now();
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getPath();
        String rawQuery = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        contentType = contentType == null ? "" : contentType;
        byte[] body;
        int errorCode = 0;
        String outcome = "OK";
        try {
            try {
                body = readBody(ex);
            } catch (IOException e) {
                record(method, path, rawQuery, contentType, 0, received, 0, 0, "CLIENT IO " + e.getClass().getSimpleName());
                ex.close();
                return;
            }
            Reply reply;
            Matcher vm = VERSIONED.matcher(path);
            String rel = vm.matches() ? vm.group(2) : path;
            Fault fault = takeFault(rel);
            if (fault != null && fault.kind() != Fault.Kind.SLOW) {
                outcome = "FAULT " + fault;
                if (fault.kind() == Fault.Kind.DROP_CONNECTION) {
                    record(method, path, rawQuery, contentType, body.length, received, 0, 0, outcome);
                    ex.close(); // no response headers sent: the JDK server closes the socket
                    return;
                }
                if (fault.kind() == Fault.Kind.HTML) {
                    reply = new Reply(fault.httpStatus(), fault.message(), "text/html; charset=utf-8", fault.headers());
                } else {
                    errorCode = fault.code();
                    reply = new Reply(fault.httpStatus(), errorJson(new GraphError(fault.httpStatus(), fault.code(),
                            fault.subcode(), "OAuthException", fault.isTransient(), fault.message())),
                            "application/json; charset=UTF-8", fault.headers());
                }
            } else {
                if (fault != null) {
                    outcome = "SLOW " + fault.delay().toMillis() + "ms then ";
                    sleep(fault.delay());
                }
                try {
                    if (!vm.matches()) {
                        throw GraphError.invalidParam("Unknown path components: " + path);
                    }
                    String version = vm.group(1);
                    versionsSeen.add(version);
                    lastVersion = version;
                    if (retiredVersions.contains(version)) {
                        throw new GraphError(400, 2635, null, "OAuthException", false, "(#2635) You are calling a deprecated version of the Ads API. "
                                + "Please update to the latest version.");
                    }
                    if (rawQuery.length() > maxQueryBytes) {
                        reply = new Reply(414, "<html><head><title>414 Request-URI Too Large</title></head><body>"
                                + "<h1>Request-URI Too Large</h1></body></html>", "text/html; charset=utf-8", Map.of());
                        outcome = (fault != null ? outcome : "") + "HTML 414";
                    } else {
                        Params params = parseParams(rawQuery, body, contentType, ex.getRequestHeaders());
                        authenticate(params);
                        reply = route(method, rel, params);
                        outcome = (fault != null ? outcome : "") + "OK";
                    }
                } catch (GraphError e) {
                    errorCode = e.code;
                    outcome = (fault != null ? outcome : "") + "ERROR " + e.code + (e.subcode == null ? "" : "/" + e.subcode);
                    reply = new Reply(e.httpStatus, errorJson(e), "application/json; charset=UTF-8", Map.of());
                } catch (RuntimeException e) {
                    errorCode = 1;
                    outcome = "ERROR 1 (fake bug: " + e + ")";
                    reply = new Reply(500, errorJson(new GraphError(500, 1, null, "OAuthException", true,
                            "An unknown error occurred")), "application/json; charset=UTF-8", Map.of());
                }
            }
            String versionWarning = vm.matches() ? versionWarnings.get(vm.group(1)) : null;
            if (versionWarning != null) {
                Map<String, String> headers = new LinkedHashMap<>(reply.headers);
                headers.put("X-Ad-Api-Version-Warning", versionWarning);
                reply = new Reply(reply.status, reply.body, reply.contentType, headers);
            }
            // recorded before the answer is written, so a client that got its answer always finds the record
            record(method, path, rawQuery, contentType, body.length, received, reply.status, errorCode, outcome);
            send(ex, reply);
        } catch (IOException e) {
            // the client went away while we answered; nothing else to do
        } finally {
            ex.close();
        }
    }

    private void record(String method, String path, String rawQuery, String contentType, long bodyBytes,
                        Instant received, int status, int errorCode, String outcome) {
        long micros = Duration.between(received, Instant.now()).toNanos() / 1000;
        requests.add(new RecordedRequest(method, path, redact(rawQuery), contentType, bodyBytes, received, status,
                errorCode, outcome, micros));
    }

    private static String redact(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return rawQuery;
        }
        StringBuilder sb = new StringBuilder(rawQuery.length());
        for (String part : rawQuery.split("&", -1)) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            if (eq >= 0 && (k.equals("access_token") || k.equals("appsecret_proof"))) {
                sb.append(k).append("=REDACTED");
            } else {
                sb.append(part);
            }
        }
        return sb.toString();
    }

    private byte[] readBody(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
        byte[] raw = readAll(in, ex.getRequestHeaders().getFirst("Content-Length"));
        byte[] out = raw;
        if (enc != null && enc.toLowerCase(Locale.ROOT).contains("gzip") && raw.length > 0) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                out = gz.readAllBytes();
            }
        }
        return out;
    }

    /**
     * The whole request body. With a Content-Length it is read into one array of that size: readAllBytes gathers
     * 8-16 KB pieces and copies them into a new array at the end (measured on a 5.5 MB body: 10-14 ms instead of
     * 6-9 ms, most of it copying, on every request of the benchmark).
     */
    static byte[] readAll(InputStream in, String contentLength) throws IOException {
        long len = -1;
        try {
            if (contentLength != null) len = Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            len = -1;
        }
        if (len < 0 || len > Integer.MAX_VALUE - 16) return in.readAllBytes();
        byte[] b = new byte[(int) len];
        int n = in.readNBytes(b, 0, b.length);
        if (n < b.length) throw new EOFException("request body ended after " + n + " of " + len + " bytes");
        return b;
    }

    private Fault takeFault(String relPath) {
        synchronized (faults) {
            for (Iterator<FaultEntry> it = faults.iterator(); it.hasNext(); ) {
                FaultEntry f = it.next();
                if (f.matches(relPath)) {
                    if (--f.remaining <= 0) {
                        it.remove();
                    }
                    return f.fault;
                }
            }
        }
        return null;
    }

    private static void send(HttpExchange ex, Reply reply) throws IOException {
        byte[] bytes = reply.body.getBytes(StandardCharsets.UTF_8);
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", reply.contentType);
        h.set("x-fb-trace-id", traceId());
        reply.headers.forEach(h::set);
        ex.sendResponseHeaders(reply.status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
    }

    private static String traceId() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String errorJson(GraphError e) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type);
        err.put("code", e.code);
        if (e.subcode != null) {
            err.put("error_subcode", e.subcode);
        }
        err.put("is_transient", e.isTransient);
        if (e.code == 2650 || (e.code == 200 && e.subcode != null)) {
            err.put("error_user_title", e.code == 200 ? "Custom Audience Terms Not Accepted" : "Audience update failed");
            err.put("error_user_msg", e.getMessage());
        }
        err.put("fbtrace_id", traceId());
        return root.toString();
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- params & auth

    private Params parseParams(String rawQuery, byte[] body, String contentType, Headers headers) {
        Params p = new Params();
        Map<String, String> query = decodeForm(rawQuery);
        if (query.containsKey("payload")) {
            payloadInUrl.incrementAndGet();
        }
        applyFormParams(p, query);
        p.queryToken = query.get("access_token");
        p.queryProof = query.get("appsecret_proof");
        String ct = contentType.toLowerCase(Locale.ROOT);
        if (body.length > 0) {
            if (ct.startsWith("application/json")) {
                parseJsonBody(p, body, countOnly);
            } else if (ct.startsWith("application/x-www-form-urlencoded") || ct.isEmpty()) {
                applyFormParams(p, decodeForm(new String(body, StandardCharsets.UTF_8)));
            } else {
                throw GraphError.invalidParam("(#100) Unsupported Content-Type: " + contentType);
            }
        }
        return p;
    }

    private static void applyFormParams(Params p, Map<String, String> form) {
        for (Map.Entry<String, String> e : form.entrySet()) {
            switch (e.getKey()) {
                case "payload":
                    p.payload = PayloadParser.parse(e.getValue());
                    break;
                case "session":
                    p.session = parseSession(e.getValue());
                    break;
                default:
                    p.scalars.put(e.getKey(), e.getValue());
            }
        }
    }

    private static void parseJsonBody(Params p, byte[] body, boolean countOnly) {
        PayloadParser.Payload precounted = null;
        if (countOnly) {
            PayloadParser.Spliced spliced = PayloadParser.spliceCounted(body);
            if (spliced != null) {
                body = spliced.body();
                precounted = spliced.counted();
            }
        }
        try (JsonParser jp = PayloadParser.JSON.createParser(body)) {
            if (jp.nextToken() != JsonToken.START_OBJECT) {
                throw GraphError.invalidParam("(#100) JSON body must be an object");
            }
            while (jp.nextToken() == JsonToken.FIELD_NAME) {
                String name = jp.currentName();
                JsonToken v = jp.nextToken();
                if ("payload".equals(name)) {
                    if (v == JsonToken.START_OBJECT) {
                        p.payload = PayloadParser.parseObject(jp, countOnly, precounted);
                        precounted = null;
                    } else if (v == JsonToken.VALUE_STRING) {
                        p.payload = PayloadParser.parse(jp.getText());
                    } else {
                        throw GraphError.invalidParam("(#100) param payload must be a JSON object");
                    }
                } else if ("session".equals(name)) {
                    if (v == JsonToken.START_OBJECT) {
                        p.session = readFlatObject(jp);
                    } else if (v == JsonToken.VALUE_STRING) {
                        p.session = parseSession(jp.getText());
                    } else {
                        throw GraphError.invalidParam("(#100) param session must be a JSON object");
                    }
                } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    jp.skipChildren();
                    p.scalars.put(name, "<json>");
                } else if (v != JsonToken.VALUE_NULL) {
                    p.scalars.put(name, jp.getText());
                }
            }
        } catch (IOException e) {
            throw GraphError.invalidParam("(#100) Invalid JSON body");
        }
    }

    private static Map<String, String> parseSession(String json) {
        try (JsonParser jp = PayloadParser.JSON.createParser(json)) {
            if (jp.nextToken() != JsonToken.START_OBJECT) {
                throw GraphError.invalidParam("(#100) param session must be a JSON object");
            }
            return readFlatObject(jp);
        } catch (IOException e) {
            throw GraphError.invalidParam("(#100) param session must be a JSON object");
        }
    }

    private static Map<String, String> readFlatObject(JsonParser jp) throws IOException {
        Map<String, String> m = new HashMap<>();
        while (jp.nextToken() == JsonToken.FIELD_NAME) {
            String k = jp.currentName();
            JsonToken v = jp.nextToken();
            if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                jp.skipChildren();
            } else if (v != JsonToken.VALUE_NULL) {
                m.put(k, jp.getText());
            }
        }
        return m;
    }

    private static Map<String, String> decodeForm(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        if (s == null || s.isEmpty()) {
            return m;
        }
        int start = 0;
        int len = s.length();
        while (start <= len) {
            int amp = s.indexOf('&', start);
            if (amp < 0) {
                amp = len;
            }
            if (amp > start) {
                String part = s.substring(start, amp);
                int eq = part.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                m.put(k, v);
            }
            start = amp + 1;
        }
        return m;
    }

    private void authenticate(Params p) {
        String token = p.get("access_token");
        if (token != null) {
            seenTokens.add(token);
        }
        if (token == null || !tokenValid || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                validToken.getBytes(StandardCharsets.UTF_8))) {
            throw new GraphError(400, 190, null, "OAuthException", false, "Invalid OAuth access token.");
        }
        String secret = appSecret;
        if (secret != null) {
            String proof = p.get("appsecret_proof");
            String expected = hmacSha256Hex(secret, token);
            if (proof == null || !MessageDigest.isEqual(proof.getBytes(StandardCharsets.UTF_8),
                    expected.getBytes(StandardCharsets.UTF_8))) {
                throw GraphError.invalidParam(proof == null
                        ? "The access token could not be decrypted" + "; appsecret_proof is required"
                        : "Invalid appsecret_proof provided in the API argument");
            }
        }
    }

    /** hex(HMAC-SHA256(key, msg)), the appsecret_proof formula. */
    public static String hmacSha256Hex(String key, String msg) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return hex(mac.doFinal(msg.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** hex(SHA-256(utf8(s))), convenient for building test rows. */
    public static String sha256Hex(String s) {
        try {
            return hex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        char[] digits = "0123456789abcdef".toCharArray();
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = digits[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = digits[b[i] & 0xf];
        }
        return new String(out);
    }

    // ---------------------------------------------------------------- routing

    private Reply route(String method, String rel, Params p) {
        String effective = method;
        String override = p.get("method");
        if ("POST".equals(method) && override != null) {
            effective = override.toUpperCase(Locale.ROOT);
        }
        Matcher m;
        if ((m = ACT_EDGE.matcher(rel)).matches()) {
            String act = m.group(1);
            String edge = m.group(2);
            if (edge.equals("customaudiences")) {
                if (effective.equals("GET")) {
                    return listAudiences(act, p);
                }
                if (effective.equals("POST")) {
                    return createAudience(act, p);
                }
            } else if (edge.equals("usersofanyaudience") && effective.equals("DELETE")) {
                return removeFromAny(act, p);
            }
            throw GraphError.noSuchObject(method, "act_" + act + "/" + edge);
        }
        if ((m = ACT.matcher(rel)).matches()) {
            if (effective.equals("GET")) {
                return readAccount(m.group(1), p);
            }
            throw GraphError.noSuchObject(method, "act_" + m.group(1));
        }
        if ((m = NODE_EDGE.matcher(rel)).matches()) {
            Audience a = audience(method, m.group(1));
            String edge = m.group(2);
            if (edge.equals("users")) {
                if (effective.equals("POST")) {
                    return users(a, p, false);
                }
                if (effective.equals("DELETE")) {
                    return users(a, p, true);
                }
            } else if (edge.equals("usersreplace") && effective.equals("POST")) {
                return usersReplace(a, p);
            }
            throw GraphError.noSuchObject(method, m.group(1) + "/" + edge);
        }
        if ((m = NODE.matcher(rel)).matches()) {
            Audience a = audience(method, m.group(1));
            switch (effective) {
                case "GET":
                    return Reply.json(audienceJson(a, fields(p, "id")));
                case "POST":
                    if (p.get("name") != null) {
                        a.name = p.get("name");
                    }
                    if (p.get("description") != null) {
                        a.description = p.get("description");
                    }
                    return Reply.json(MAPPER.createObjectNode().put("success", true));
                case "DELETE":
                    audiences.remove(a.id);
                    return Reply.json(MAPPER.createObjectNode().put("success", true));
                default:
                    throw GraphError.noSuchObject(method, a.id);
            }
        }
        throw GraphError.invalidParam("Unknown path components: " + rel);
    }

    private Audience audience(String method, String id) {
        Audience a = audiences.get(id);
        if (a == null) {
            throw GraphError.noSuchObject(method, id);
        }
        return a;
    }

    private static Set<String> fields(Params p, String dflt) {
        String f = p.get("fields");
        Set<String> out = new LinkedHashSet<>();
        out.add("id");
        for (String s : (f == null || f.isBlank() ? dflt : f).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private ObjectNode audienceJson(Audience a, Set<String> fields) {
        ObjectNode n = MAPPER.createObjectNode();
        int size;
        boolean replacing;
        synchronized (a) {
            size = countOnly ? (int) Math.min(Integer.MAX_VALUE, a.received.get()) : a.members.size();
            replacing = a.replaceSession != null;
        }
        for (String f : fields) {
            switch (f) {
                case "id": n.put("id", a.id); break;
                case "name": n.put("name", a.name); break;
                case "description": if (a.description != null) n.put("description", a.description); break;
                case "subtype": n.put("subtype", "CUSTOM"); break;
                case "customer_file_source": n.put("customer_file_source", a.fileSource); break;
                case "account_id": n.put("account_id", a.accountId); break;
                case "approximate_count_lower_bound": n.put("approximate_count_lower_bound", size); break;
                case "approximate_count_upper_bound": n.put("approximate_count_upper_bound", size); break;
                case "time_created": n.put("time_created", a.created); break;
                case "operation_status": {
                    ObjectNode os = n.putObject("operation_status");
                    if (a.flagged) {
                        os.put("code", 471);
                        os.put("description", "This audience may suggest information about people's health or financial status; uploads are blocked.");
                    } else {
                        os.put("code", replacing ? 414 : 200);
                        os.put("description", replacing ? "Replace in progress." : "Normal");
                    }
                    break;
                }
                case "delivery_status": n.putObject("delivery_status").put("code", 200).put("description", "This audience is ready for use.");
                    break;
                default: // unknown fields are ignored by the fake
            }
        }
        return n;
    }

    private Reply readAccount(String act, Params p) {
        Set<String> f = fields(p, "id");
        ObjectNode n = MAPPER.createObjectNode();
        if (f.contains("tos_accepted")) {
            if (termsAccepted) {
                n.put("id", "act_" + act);
                n.putObject("tos_accepted").put("custom_audience_tos", 1);
            }
            return Reply.json(n);
        }
        n.put("id", "act_" + act);
        if (f.contains("account_id")) {
            n.put("account_id", act);
        }
        return Reply.json(n);
    }

    private Reply listAudiences(String act, Params p) {
        List<Audience> mine = new ArrayList<>();
        for (Audience a : audiences.values()) {
            if (a.accountId.equals(act)) {
                mine.add(a);
            }
        }
        mine.sort((x, y) -> Long.compare(Long.parseLong(x.id), Long.parseLong(y.id)));
        int limit = pageSize;
        if (p.get("limit") != null) {
            try {
                limit = Math.max(1, Math.min(pageSize, Integer.parseInt(p.get("limit"))));
            } catch (NumberFormatException e) {
                throw GraphError.invalidParam("(#100) Param limit must be an integer");
            }
        }
        int from = 0;
        String after = p.get("after");
        if (after != null && !after.isEmpty()) {
            from = decodeCursor(after);
        }
        int to = Math.min(mine.size(), from + limit);
        Set<String> fields = fields(p, "id");
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (int i = from; i < to; i++) {
            data.add(audienceJson(mine.get(i), fields));
        }
        if (to > from) {
            ObjectNode paging = root.putObject("paging");
            ObjectNode cursors = paging.putObject("cursors");
            cursors.put("before", cursor(from));
            cursors.put("after", cursor(to));
            if (to < mine.size()) {
                StringBuilder next = new StringBuilder(baseUrl).append('/').append(lastVersion)
                        .append("/act_").append(act).append("/customaudiences?");
                if (p.get("fields") != null) {
                    next.append("fields=").append(URLEncoder.encode(p.get("fields"), StandardCharsets.UTF_8)).append('&');
                }
                next.append("limit=").append(limit).append("&after=").append(cursor(to));
                if (tokenInNextUrl && p.queryToken != null) {
                    next.append("&access_token=").append(URLEncoder.encode(p.queryToken, StandardCharsets.UTF_8));
                    if (p.queryProof != null) {
                        next.append("&appsecret_proof=").append(URLEncoder.encode(p.queryProof, StandardCharsets.UTF_8));
                    }
                }
                paging.put("next", next.toString());
            }
        }
        return Reply.json(root);
    }

    private static String cursor(int index) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("idx:" + index).getBytes(StandardCharsets.UTF_8));
    }

    private static int decodeCursor(String c) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
            if (!s.startsWith("idx:")) {
                throw new IllegalArgumentException();
            }
            return Integer.parseInt(s.substring(4));
        } catch (IllegalArgumentException e) {
            throw GraphError.invalidParam("(#100) Invalid cursor");
        }
    }

    private Reply createAudience(String act, Params p) {
        if (!termsAccepted) {
            throw GraphError.of(200, 1870090, "Custom Audience Terms Not Accepted: You need to accept the Custom Audience"
                    + " Terms before you can create or edit an audience. Go to https://business.facebook.com/ads/manage/customaudiences/tos/?act=" + act);
        }
        String name = p.get("name");
        if (name == null || name.isBlank()) {
            throw GraphError.invalidParam("(#100) Missing parameter(s): name");
        }
        String fileSource = p.get("customer_file_source");
        if (fileSource == null || !FILE_SOURCES.contains(fileSource)) {
            throw GraphError.invalidParam("(#100) Missing parameter(s): customer_file_source");
        }
        if (!"CUSTOM".equals(p.get("subtype"))) {
            throw GraphError.invalidParam("(#100) Invalid parameter: subtype must be CUSTOM for a customer file audience");
        }
        Audience a = newAudience(act, name, p.get("description"), fileSource);
        createCounts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        return Reply.json(MAPPER.createObjectNode().put("id", a.id));
    }

    private Audience newAudience(String act, String name, String description, String fileSource) {
        Audience a = new Audience(Long.toString(nextAudienceId.getAndIncrement()), act, name, description, fileSource);
        audiences.put(a.id, a);
        return a;
    }

    private static String stripAct(String account) {
        return account.startsWith("act_") ? account.substring(4) : account;
    }

    // ---------------------------------------------------------------- uploads

    /** Result of validating a payload: valid rows as membership keys, plus invalid count and samples. */
    private static final class Checked {
        final List<String> schema;
        final List<String> keys;
        final int received;
        int invalid;
        final Map<String, String> samples = new LinkedHashMap<>();

        Checked(List<String> schema, int received) {
            this.schema = schema;
            this.received = received;
            this.keys = new ArrayList<>(received);
        }
    }

    private Checked check(Params p) {
        PayloadParser.Payload pl = p.payload;
        if (pl == null) {
            throw GraphError.invalidParam("(#100) Missing parameter(s): payload");
        }
        if (pl.schema == null || pl.schema.isEmpty()) {
            throw GraphError.invalidParam("(#100) Invalid parameter: payload.schema is missing");
        }
        List<String> schema = pl.schema;
        boolean legacy = pl.schemaIsString && LEGACY_KEYS.contains(schema.get(0));
        if (!legacy) {
            Set<String> seen = new HashSet<>();
            for (String k : schema) {
                if (!MULTI_KEYS.contains(k)) {
                    throw GraphError.invalidParam("(#100) Invalid parameter: Unknown schema key " + k);
                }
                if (!seen.add(k)) {
                    throw GraphError.invalidParam("(#100) Invalid parameter: Duplicate schema key " + k);
                }
            }
            if (DPO_KEYS.containsAll(seen)) {
                throw GraphError.invalidParam("(#100) Invalid parameter: schema has no identifier key");
            }
        }
        if (pl.tooManyRows) {
            throw GraphError.invalidParam("(#100) Invalid parameter: Too many users in one request: the limit is "
                    + MAX_ROWS_PER_REQUEST);
        }
        int rowCount = pl.counted ? Math.min(pl.countedRows, MAX_ROWS_PER_REQUEST) : pl.rows.size();
        if (rowCount == 0) {
            throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema");
        }
        int n = schema.size();
        boolean[] hashed = new boolean[n];
        boolean[] identity = new boolean[n];
        for (int i = 0; i < n; i++) {
            hashed[i] = !UNHASHED_KEYS.contains(schema.get(i)) && !DPO_KEYS.contains(schema.get(i));
            identity[i] = !DPO_KEYS.contains(schema.get(i));
        }
        // DATA_PROCESSING_OPTIONS columns (Limited Data Use) are not identifiers: not part of the audience's schema
        // or of a member's key; rows that carry LDU are counted (lduRowCount, lastLdu)
        List<String> identitySchema = new ArrayList<>();
        int dpoOptions = -1, dpoCountry = -1, dpoState = -1;
        for (int i = 0; i < n; i++) {
            String k = schema.get(i);
            if (!DPO_KEYS.contains(k)) identitySchema.add(k);
            else if (k.equals("DATA_PROCESSING_OPTIONS")) dpoOptions = i;
            else if (k.equals("DATA_PROCESSING_OPTIONS_COUNTRY")) dpoCountry = i;
            else dpoState = i;
        }
        Checked c = new Checked(List.copyOf(identitySchema), rowCount);
        if (pl.counted) {
            // count-only: the parser checked the rows in this loop's order (PayloadParser.countRows)
            if (strictHashing && pl.firstBadRow >= 0) {
                throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema: row "
                        + pl.firstBadRow + " column " + pl.firstBadColumn + " is not a lowercase hex SHA-256 hash");
            }
            if (pl.mismatchRow >= 0) {
                throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema: row "
                        + pl.mismatchRow + " has " + pl.mismatchLength + " values, schema has " + n);
            }
            c.invalid = pl.invalid;
            c.samples.putAll(pl.samples);
            return c;
        }
        StringBuilder sb = new StringBuilder(72 * n);
        for (int r = 0; r < pl.rows.size(); r++) {
            String[] row = pl.rows.get(r);
            if (row.length != n) {
                throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema: row "
                        + r + " has " + row.length + " values, schema has " + n);
            }
            boolean anyIdentity = false;
            String bad = null;
            for (int i = 0; i < n; i++) {
                String v = row[i];
                if (identity[i] && !v.isEmpty()) {
                    anyIdentity = true;
                }
                if (hashed[i] && !v.isEmpty() && !isSha256Hex(v)) {
                    bad = schema.get(i);
                }
            }
            if (bad != null && strictHashing) {
                throw GraphError.invalidParam("(#100) Invalid parameter: Data is missing or does not match schema: row "
                        + r + " column " + bad + " is not a lowercase hex SHA-256 hash");
            }
            if (bad != null || !anyIdentity) {
                c.invalid++;
                if (c.samples.size() < 100) {
                    c.samples.put(Integer.toString(r), bad != null ? "Invalid " + bad + " value" : "Empty row");
                }
                continue;
            }
            if (countOnly) {
                continue;
            }
            if (dpoOptions >= 0 && row[dpoOptions].contains("LDU")) {
                lduRows.incrementAndGet();
                lastLdu = row[dpoOptions] + "|" + (dpoCountry >= 0 ? row[dpoCountry] : "") + "|" + (dpoState >= 0 ? row[dpoState] : "");
            }
            if (n == 1) {
                c.keys.add(row[0]);
            } else {
                sb.setLength(0);
                boolean first = true;
                for (int i = 0; i < n; i++) {
                    if (!identity[i]) {
                        continue;
                    }
                    if (!first) {
                        sb.append('|');
                    }
                    first = false;
                    sb.append(row[i]);
                }
                c.keys.add(sb.toString());
            }
        }
        return c;
    }

    private static final boolean[] LOWER_HEX = new boolean[128];

    static {
        for (char ch = '0'; ch <= '9'; ch++) {
            LOWER_HEX[ch] = true;
        }
        for (char ch = 'a'; ch <= 'f'; ch++) {
            LOWER_HEX[ch] = true;
        }
    }

    /** the 64 chars at {@code off} are a lowercase hex SHA-256 */
    static boolean isSha256Hex(char[] v, int off) {
        if (off < 0 || off + 64 > v.length) {
            return false;
        }
        for (int i = off; i < off + 64; i++) {
            char ch = v[i];
            if (ch >= 128 || !LOWER_HEX[ch]) {
                return false;
            }
        }
        return true;
    }

    static boolean isSha256Hex(String v) {
        if (v.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char ch = v.charAt(i);
            if (ch >= 128 || !LOWER_HEX[ch]) {
                return false;
            }
        }
        return true;
    }

    private static String dataSourceName(List<String> schema) {
        if (schema.size() == 1 && LEGACY_KEYS.contains(schema.get(0))) {
            return "FILE_IMPORTED.HASHES_OR_USER_IDS";
        }
        return "FILE_IMPORTED.MULTI_HASHES";
    }

    private static GraphError schemaMismatch(List<String> fixed, List<String> sent) {
        return GraphError.of(2650, null, "(#2650) Failed to update the custom audience: This audience was created from"
                + " data source " + dataSourceName(fixed) + " with schema " + fixed + ", which does not support data"
                + " source " + dataSourceName(sent) + " with schema " + sent);
    }

    private void termsCheck() {
        if (!termsAccepted) {
            throw GraphError.of(200, 1870090, "Custom Audience Terms Not Accepted: You need to accept the Custom"
                    + " Audience Terms before you can create or edit an audience.");
        }
    }

    private Reply users(Audience a, Params p, boolean remove) {
        termsCheck();
        flaggedCheck(a);
        Checked c = check(p);
        sleep(usersLatency);
        synchronized (a) {
            if (a.replaceSession != null) {
                throw GraphError.of(2650, 1870145, "(#2650) Failed to update the custom audience: a replace operation"
                        + " is in progress on this audience; wait until operation_status is Normal");
            }
            if (!remove) {
                if (a.schema == null) {
                    a.schema = c.schema;
                } else if (!a.schema.equals(c.schema)) {
                    throw schemaMismatch(a.schema, c.schema);
                }
                a.members.addAll(c.keys);
            } else {
                removeRows(a, c);
            }
            a.received.addAndGet(c.received);
        }
        totalRowsReceived.addAndGet(c.received);
        (remove ? removeRequests : addRequests).incrementAndGet();
        return uploadReply("audience_id", a.id, p, c);
    }

    /** Removes rows; caller holds the audience lock. */
    private static void removeRows(Audience a, Checked c) {
        if (c.keys.isEmpty() || a.members.isEmpty()) {
            return;
        }
        if (a.schema == null || a.schema.equals(c.schema)) {
            c.keys.forEach(a.members::remove);
            return;
        }
        // different schema: match by column name on the non-empty identity cells of each removal row
        int[] idx = new int[c.schema.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = DPO_KEYS.contains(c.schema.get(i)) ? -1 : a.schema.indexOf(c.schema.get(i));
        }
        List<String[]> removal = new ArrayList<>(c.keys.size());
        for (String k : c.keys) {
            removal.add(c.schema.size() == 1 ? new String[] {k} : k.split("\\|", -1));
        }
        a.members.removeIf(member -> {
            String[] cells = a.schema.size() == 1 ? new String[] {member} : member.split("\\|", -1);
            for (String[] r : removal) {
                boolean any = false;
                boolean all = true;
                for (int i = 0; i < r.length && all; i++) {
                    if (r[i].isEmpty() || idx[i] < 0) {
                        continue;
                    }
                    any = true;
                    all = r[i].equals(cells[idx[i]]);
                }
                if (any && all) {
                    return true;
                }
            }
            return false;
        });
    }

    private Reply uploadReply(String idField, String id, Params p, Checked c) {
        String sessionId = p.session != null && p.session.get("session_id") != null ? p.session.get("session_id")
                : Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        long inSession = p.session != null
                ? sessionReceived.computeIfAbsent(id + "/" + sessionId, k -> new AtomicLong()).addAndGet(c.received)
                : c.received;
        ObjectNode n = MAPPER.createObjectNode();
        n.put(idField, id);
        n.put("session_id", sessionId);
        n.put("num_received", inSession);
        n.put("num_invalid_entries", c.invalid);
        ObjectNode samples = n.putObject("invalid_entry_samples");
        c.samples.forEach(samples::put);
        return Reply.json(n);
    }

    private Reply usersReplace(Audience a, Params p) {
        termsCheck();
        flaggedCheck(a);
        Map<String, String> s = p.session;
        if (s == null || s.get("session_id") == null || s.get("batch_seq") == null) {
            throw GraphError.invalidParam("(#100) Missing parameter(s): session");
        }
        String sid = s.get("session_id");
        int seq;
        try {
            seq = Integer.parseInt(s.get("batch_seq"));
            if (Long.parseLong(sid) <= 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw GraphError.invalidParam("(#100) Invalid parameter: session_id and batch_seq must be positive integers");
        }
        boolean last = isTrue(s.get("last_batch_flag"));
        Checked c = check(p);
        sleep(usersLatency);
        synchronized (a) {
            if (a.finishedReplaceSessions.contains(sid)) {
                throw GraphError.of(2650, 1870159, "(#2650) Failed to update the custom audience: the replace session "
                        + "has already finished (last_batch_flag was sent)");
            }
            if (seq == 1) {
                if (a.replaceSession != null && !a.replaceSession.equals(sid)) {
                    throw GraphError.of(2650, 1870145, "(#2650) Failed to update the custom audience: another replace"
                            + " is in progress; wait until operation_status is Normal");
                }
                if (a.replaceSession != null) {
                    throw GraphError.of(2650, 1870148, "(#2650) Failed to update the custom audience: batch_seq 1 was"
                            + " already sent for this session");
                }
            } else if (!sid.equals(a.replaceSession)) {
                throw GraphError.of(2650, 1870147, "(#2650) Failed to update the custom audience: the first batch"
                        + " (batch_seq 1) of this replace session was not detected");
            }
            if (a.schema != null && !a.schema.equals(c.schema)) {
                throw schemaMismatch(a.schema, c.schema);
            }
            if (a.schema == null) {
                a.schema = c.schema;
            }
            if (seq == 1) {
                a.replaceSession = sid;
                a.staging = new HashSet<>();
            }
            a.staging.addAll(c.keys);
            a.received.addAndGet(c.received);
            if (last) {
                if (!countOnly) {
                    a.members.clear();
                    a.members.addAll(a.staging);
                }
                a.staging = null;
                a.replaceSession = null;
                a.finishedReplaceSessions.add(sid);
            }
        }
        totalRowsReceived.addAndGet(c.received);
        replaceRequests.incrementAndGet();
        return uploadReply("audience_id", a.id, p, c);
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    private Reply removeFromAny(String act, Params p) {
        Checked c = check(p);
        sleep(usersLatency);
        for (Audience a : audiences.values()) {
            if (!a.accountId.equals(act)) {
                continue;
            }
            synchronized (a) {
                removeRows(a, c);
            }
        }
        totalRowsReceived.addAndGet(c.received);
        removeRequests.incrementAndGet();
        return uploadReply("account_id", "act_" + act, p, c);
    }

    // ---------------------------------------------------------------- standalone

    /** One-line counters, no secrets. */
    public String statsLine() {
        long ok = requests.stream().filter(RecordedRequest::ok).count();
        return "requests=" + requests.size() + " ok=" + ok + " adds=" + addRequests.get() + " removes="
                + removeRequests.get() + " replaces=" + replaceRequests.get() + " rows=" + totalRowsReceived.get()
                + " audiences=" + audiences.size() + " payloadInUrl=" + payloadInUrl.get();
    }

    /**
     * {@code java -cp ... com.metaaudiencesync.fake.FakeGraphApi --port 18080 --token T [--count-only]
     * [--app-secret S] [--page-size N] [--users-latency-ms N] [--threads N] [--report-seconds N] [--warm-up-requests N]}.
     * Prints the base URL, then counters every report interval (if they changed) and on SIGTERM.
     * Without --token the token is read from the FAKE_GRAPH_TOKEN environment variable.
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 18080;
        int threads = 16;
        int reportSeconds = 10;
        String token = System.getenv("FAKE_GRAPH_TOKEN");
        String secret = null;
        boolean countOnly = false;
        int pageSize = DEFAULT_PAGE_SIZE;
        long latencyMs = 0;
        int warmUpRequests = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--token": token = args[++i]; break;
                case "--app-secret": secret = args[++i]; break;
                case "--count-only": countOnly = true; break;
                case "--page-size": pageSize = Integer.parseInt(args[++i]); break;
                case "--users-latency-ms": latencyMs = Long.parseLong(args[++i]); break;
                case "--threads": threads = Integer.parseInt(args[++i]); break;
                case "--report-seconds": reportSeconds = Integer.parseInt(args[++i]); break;
                case "--warm-up-requests": warmUpRequests = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
            }
        }
        if (token == null || token.isEmpty()) {
            System.err.println("--token (or FAKE_GRAPH_TOKEN) is required");
            System.exit(2);
        }
        FakeGraphApi fake = FakeGraphApi.start(token, port, threads);
        fake.setAppSecret(secret).setCountOnly(countOnly).setPageSize(pageSize)
                .setUsersLatency(Duration.ofMillis(latencyMs));
        if (warmUpRequests > 0) {
            // Meta's servers are not a cold JVM: before it says it listens, the fake answers a few full requests
            // of its own (then forgets them), so its JIT work is not part of what a benchmark measures
            try {
                warmUp(fake, token, warmUpRequests);
            } catch (IOException e) {
                System.err.println("warm-up failed: " + e);
            }
            fake.reset();
            fake.setAppSecret(secret).setCountOnly(countOnly).setPageSize(pageSize).setUsersLatency(Duration.ofMillis(latencyMs));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("FakeGraphApi final: " + fake.statsLine());
            System.out.flush();
            fake.close();
        }, "fake-graph-shutdown"));
        System.out.println("FakeGraphApi listening on " + fake.baseUrl() + (countOnly ? " (count-only)" : ""));
        System.out.flush();
        String last = "";
        while (true) {
            Thread.sleep(Math.max(1, reportSeconds) * 1000L);
            String line = fake.statsLine();
            if (!line.equals(last)) {
                System.out.println("FakeGraphApi " + Instant.now() + " " + line);
                System.out.flush();
                last = line;
            }
        }
    }

    /** {@code n} valid 10 000-row add requests (the service's 15-key schema, random digests) over HTTP to itself. */
    static void warmUp(FakeGraphApi fake, String token, int n) throws IOException {
        String id = fake.seedAudience("act_1", "fake-warm-up");
        SplittableRandom r = new SplittableRandom(7);
        String hex = "0123456789abcdef";
        for (int k = 0; k < n; k++) {
            StringBuilder b = new StringBuilder(7_000_000);
            b.append("{\"payload\":{\"schema\":[\"EXTERN_ID\",\"EMAIL\",\"PHONE\",\"GEN\",\"DOBY\",\"DOBM\",\"DOBD\",\"LN\",\"FN\",\"FI\",\"CT\",\"ST\",\"ZIP\",\"COUNTRY\",\"MADID\"],\"data\":[");
            for (int row = 0; row < MAX_ROWS_PER_REQUEST; row++) {
                b.append(row == 0 ? "[" : ",[").append('"').append("c").append(row).append('"');
                for (int c = 1; c < 15; c++) {
                    b.append(",\"");
                    if (c != 14 && (c < 3 || c > 6 || r.nextInt(3) == 0)) for (int h = 0; h < 64; h++) b.append(hex.charAt(r.nextInt(16)));
                    b.append('"');
                }
                b.append(']');
            }
            b.append("]},\"access_token\":\"").append(token).append("\"}");
            byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
            HttpURLConnection c = (HttpURLConnection) URI.create(fake.baseUrl() + "/v25.0/" + id + "/users").toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream o = c.getOutputStream()) { o.write(body); }
            int code = c.getResponseCode();
            (code < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes();
            if (code != 200) throw new IOException("warm-up request answered " + code);
        }
    }

    @Override
    public String toString() {
        return "FakeGraphApi[" + baseUrl + "]";
    }
}
