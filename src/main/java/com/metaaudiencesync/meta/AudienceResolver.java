package com.metaaudiencesync.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.config.MetaProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audience name → Meta id: cached in memory and in table mas_audience, looked up through every page of
 * act_&lt;id&gt;/customaudiences, created when missing. Creation happens once per name even when several
 * files (threads) or several instances (a claim row in the database) ask at the same moment.
 */
public class AudienceResolver {
    private static final Logger log = LoggerFactory.getLogger(AudienceResolver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GraphClient graph;
    private final MetaProperties meta;
    private final JdbcTemplate jdbc;
    private final String owner;
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public AudienceResolver(GraphClient graph, MetaProperties meta, JdbcTemplate jdbc, String owner) {
        this.graph = graph;
        this.meta = meta;
        this.jdbc = jdbc;
        this.owner = owner;
    }

    /** Thrown when another instance is creating this audience right now: try again shortly. */
    public static class CreationInProgress extends Exception {
        public CreationInProgress(String name) { super("audience '" + name + "' is being created by another instance", null, false, false); }
    }

    /**
     * @return the id, or null when the audience does not exist and {@code mayCreate} is false
     * @throws GraphException when Graph refuses the look-up or the creation
     */
    public String resolve(String name, boolean mayCreate) throws IOException, CreationInProgress {
        String id = cache.get(name);
        if (id != null) return id;
        synchronized (locks.computeIfAbsent(name, k -> new Object())) {
            id = cache.get(name);
            if (id != null) return id;
            id = stored(name);
            if (id != null) { cache.put(name, id); return id; }
            long now = System.currentTimeMillis();
            boolean claimed;
            try {
                jdbc.update("INSERT INTO mas_audience(name, creating_owner, creating_until) VALUES (?,?,?)", name, owner, now + 120_000);
                claimed = true;
            } catch (DuplicateKeyException e) {
                claimed = jdbc.update("UPDATE mas_audience SET creating_owner=?, creating_until=? WHERE name=? AND audience_id IS NULL"
                        + " AND (creating_owner=? OR creating_until<?)", owner, now + 120_000, name, owner, now) == 1;
            }
            if (!claimed) {
                id = stored(name);
                if (id != null) { cache.put(name, id); return id; }
                throw new CreationInProgress(name);
            }
            id = findByName(name);
            if (id == null && mayCreate) {
                id = create(name);
                log.info("Created Custom Audience '{}' (id {})", name, id);
            }
            if (id == null) {
                jdbc.update("UPDATE mas_audience SET creating_owner=NULL, creating_until=NULL WHERE name=?", name);
                return null;
            }
            jdbc.update("UPDATE mas_audience SET audience_id=?, creating_owner=NULL, creating_until=NULL WHERE name=?", id, name);
            cache.put(name, id);
            return id;
        }
    }

    private String stored(String name) {
        List<String> l = jdbc.queryForList("SELECT audience_id FROM mas_audience WHERE name=? AND audience_id IS NOT NULL", String.class, name);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Walks every page of the account's custom audiences (peers stop at the first page). */
    String findByName(String name) throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("fields", "id,name");
        params.put("limit", "500");
        GraphResponse r = graph.get(graph.accountPath() + "/customaudiences", params);
        int pages = 0;
        while (true) {
            Outcome o = GraphErrorClassifier.classify(r);
            if (o.kind() != Outcome.Kind.SUCCESS) throw GraphException.of(o);
            JsonNode root = JSON.readTree(r.body());
            for (JsonNode a : root.path("data")) {
                if (name.equals(a.path("name").asText(null))) return a.path("id").asText();
            }
            JsonNode next = root.path("paging").path("next");
            if (next.isMissingNode() || next.isNull() || next.asText().isEmpty() || ++pages > 10_000) return null;
            r = graph.getAbsolute(next.asText());
        }
    }

    private String create(String name) throws IOException {
        GraphResponse r = graph.postJson(graph.accountPath() + "/customaudiences", g -> {
            g.writeStringField("name", name);
            g.writeStringField("subtype", "CUSTOM");
            g.writeStringField("description", "Managed by meta-audience-sync");
            g.writeStringField("customer_file_source", meta.getCustomerFileSource());
        });
        Outcome o = GraphErrorClassifier.classify(r);
        if (o.kind() != Outcome.Kind.SUCCESS) throw GraphException.of(o);
        return JSON.readTree(r.body()).path("id").asText();
    }
}
