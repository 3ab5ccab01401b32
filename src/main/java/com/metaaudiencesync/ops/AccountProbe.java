package com.metaaudiencesync.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.meta.GraphErrorClassifier;
import com.metaaudiencesync.meta.GraphResponse;
import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.send.AccountGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Checks the Meta account at start-up and periodically (never per request): token valid and Custom Audience
 * terms accepted (GET act_&lt;id&gt;?fields=tos_accepted). Opens or closes the {@link AccountGate}; also refreshes
 * the approximate sizes of managed audiences for GET /api/audiences.
 */
public class AccountProbe {
    private static final Logger log = LoggerFactory.getLogger(AccountProbe.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GraphClient graph;
    private final AccountGate gate;
    private final JdbcTemplate jdbc;
    private final boolean dryRun;
    private volatile long lastCheck;
    private volatile String lastResult = "not checked yet";
    private volatile long lastSizeRefresh;

    public AccountProbe(GraphClient graph, AccountGate gate, JdbcTemplate jdbc, boolean dryRun) {
        this.graph = graph;
        this.gate = gate;
        this.jdbc = jdbc;
        this.dryRun = dryRun;
    }

    private volatile AudienceFlags flags;

    /** Where the operation_status read with the sizes goes (flagged audiences). */
    public void setAudienceFlags(AudienceFlags f) { this.flags = f; }

    public long lastCheck() { return lastCheck; }
    public String lastResult() { return lastResult; }

    /** Called by route ops-account-probe. */
    public void probe() {
        if (dryRun) { lastResult = "dry-run: Meta is not contacted"; return; }
        lastCheck = System.currentTimeMillis();
        try {
            GraphResponse r = graph.get(graph.accountPath(), Map.of("fields", "tos_accepted"));
            Outcome o = GraphErrorClassifier.classify(r);
            if (o.kind() == Outcome.Kind.SUCCESS) {
                JsonNode tos = JSON.readTree(r.body()).path("tos_accepted").path("custom_audience_tos");
                if (tos.asInt(0) == 1) {
                    lastResult = "token valid, Custom Audience terms accepted";
                    gate.open();
                } else {
                    lastResult = "Custom Audience terms not accepted";
                    gate.block(new Outcome(Outcome.Kind.PERMISSION, "tos", null, "Custom Audience terms not accepted (tos_accepted is empty)", 0,
                            GraphErrorClassifier.ACCEPT_TERMS));
                }
            } else if (o.pausesAccount()) {
                lastResult = o.message();
                gate.block(o);
            } else {
                lastResult = "check failed: " + o.message();
                log.warn("Meta account check failed ({}); will check again", o.message());
            }
        } catch (IOException e) {
            lastResult = "Meta not reachable: " + e.getClass().getSimpleName();
            log.warn("Meta account check: Graph API not reachable ({})", e.getClass().getSimpleName());
        }
        if (gate.isOpen() && System.currentTimeMillis() - lastSizeRefresh > 10 * 60_000L) refreshSizes();
        AudienceFlags f = flags;
        if (f != null) f.reload(); // flags other instances set or cleared
    }

    /**
     * Reads approximate_count_lower_bound/upper_bound and operation_status of every managed audience (cached in
     * mas_audience; operation_status 471 flags the audience, see {@link AudienceFlags}).
     */
    public void refreshSizes() {
        lastSizeRefresh = System.currentTimeMillis();
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT name, audience_id FROM mas_audience WHERE audience_id IS NOT NULL");
        for (Map<String, Object> a : rows) {
            try {
                GraphResponse r = graph.get((String) a.get("audience_id"),
                        Map.of("fields", "approximate_count_lower_bound,approximate_count_upper_bound,operation_status"));
                if (GraphErrorClassifier.classify(r).kind() != Outcome.Kind.SUCCESS) continue;
                JsonNode n = JSON.readTree(r.body());
                jdbc.update("UPDATE mas_audience SET approx_lower=?, approx_upper=?, refreshed_at=? WHERE name=?",
                        n.path("approximate_count_lower_bound").asLong(-1), n.path("approximate_count_upper_bound").asLong(-1),
                        System.currentTimeMillis(), a.get("name"));
                JsonNode os = n.path("operation_status");
                AudienceFlags f = flags;
                if (f != null && os.path("code").isInt()) {
                    f.operationStatus((String) a.get("name"), (String) a.get("audience_id"), os.path("code").asInt(), os.path("description").asText(null));
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
