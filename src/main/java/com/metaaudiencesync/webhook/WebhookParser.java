package com.metaaudiencesync.webhook;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.metaaudiencesync.intake.MemberMapper;
import com.metaaudiencesync.intake.RecordReaders;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.AudienceValidation;
import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.normalize.ColumnAliases;
import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.normalize.RowResult;
import com.metaaudiencesync.normalize.Sha256;
import com.metaaudiencesync.send.Ldu;
import com.metaaudiencesync.store.AudienceRef;
import org.apache.commons.codec.digest.DigestUtils;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Webhook bodies → {@link WebhookItem}s, through the same member model ({@link RawMember}, {@link MemberMapper}
 * and the column alias table) and the same normalizer ({@link RowBuilder}) as files. Thread-safe.
 *
 * <p>Native members: one object or an array of objects, fields as in CONTRACT §3 plus {@code action},
 * optional {@code messageId}/{@code message_id} and {@code timestamp}.
 * <p>Segment: one event, {@code {"batch":[...]}} (tracking API) or a bare array of events. Audience =
 * {@code context.personas.computation_key} (or, on track, {@code properties.audience_key}); membership =
 * {@code traits[key]} (identify) or {@code properties[key]} (track).
 */
public final class WebhookParser {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The body as a whole is not usable (→ 400). The message never quotes the body. */
    public static final class UnreadableBodyException extends Exception {
        public UnreadableBodyException(String m) { super(m); }
    }

    private final RowBuilder rowBuilder;

    public WebhookParser(RowBuilder rowBuilder) { this.rowBuilder = rowBuilder; }

    static JsonNode readTree(byte[] body) throws UnreadableBodyException {
        if (body == null || body.length == 0) throw new UnreadableBodyException("empty body");
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || n.isMissingNode()) throw new UnreadableBodyException("empty body");
            return n;
        } catch (StreamConstraintsException e) {
            // nesting, number or string beyond Jackson's limits: such errors carry no location
            throw new UnreadableBodyException("JSON beyond the accepted limits (nesting depth, number or string length)");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new UnreadableBodyException(at == null ? "not valid JSON" : "not valid JSON (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
        } catch (IOException | RuntimeException e) {
            // CharConversionException (invalid UTF-8) and anything else the parser throws: the body is unreadable
            throw new UnreadableBodyException("not valid JSON");
        }
    }

    // ---------------------------------------------------------------- native members

    /** Native members, parsed and normalized (the parse step then the normalize step). */
    public List<WebhookItem> members(byte[] body) throws UnreadableBodyException { return normalize(readMembers(body)); }

    /** Segment events, parsed and normalized (the parse step then the normalize step). */
    public List<WebhookItem> segment(byte[] body, String pathType) throws UnreadableBodyException { return normalize(readSegment(body, pathType)); }

    /**
     * The normalize step: each parsed member's identifiers → final hashed rows ({@link RowBuilder}), and the
     * hash naming the member. A member the normalizer refuses (or fails on) is rejected alone.
     */
    public List<WebhookItem> normalize(List<WebhookItem> items) {
        for (WebhookItem item : items) {
            RawMember m = item.raw;
            if (m == null) continue;
            item.raw = null;
            try {
                RowResult res = rowBuilder.build(m);
                if (res.rejected()) {
                    item.reject(res.rejectReason());
                } else {
                    item.rows = res.rows();
                    item.memberKey = memberKey(item.userId, res.rows());
                }
            } catch (RuntimeException ex) {
                item.reject(item.invalidReason);
            }
            item.userId = null;
        }
        return items;
    }

    /** The parse step for native members: one object or an array → items still to normalize. */
    public List<WebhookItem> readMembers(byte[] body) throws UnreadableBodyException {
        JsonNode root = readTree(body);
        List<JsonNode> objs = elements(root, false);
        List<WebhookItem> out = new ArrayList<>(objs.size());
        for (int i = 0; i < objs.size(); i++) {
            WebhookItem item;
            try {
                item = member(i, objs.get(i));
            } catch (RuntimeException ex) {
                // one member the mapper or normalizer cannot handle is rejected alone, never the request
                item = WebhookItem.rejected(i, "invalid_member");
            }
            out.add(item);
        }
        return out;
    }

    private WebhookItem member(int index, JsonNode o) {
        if (!o.isObject()) return WebhookItem.rejected(index, "not_an_object");
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Object v = scalarOrList(e.getValue());
            if (v != null) fields.put(e.getKey(), v);
        }
        RawMember m = new MemberMapper(null, null, null).map(RecordReaders.fromMap(index, fields));
        if (!fields.containsKey("action") && findCanonical(fields, "action") == null) return WebhookItem.rejected(index, "missing_action");
        if (m.action == null || (m.action != Action.ADD && m.action != Action.REMOVE)) return WebhookItem.rejected(index, "invalid_action");
        if (m.audienceId == null && m.audienceName == null) return WebhookItem.rejected(index, "no_audience");
        String audienceProblem = AudienceValidation.problem(m.audienceId, m.audienceName);
        if (audienceProblem != null) return WebhookItem.rejected(index, audienceProblem);
        WebhookItem item = new WebhookItem(index);
        item.audience = m.audienceId != null ? AudienceRef.ofId(m.audienceId) : AudienceRef.ofName(m.audienceName);
        item.action = m.action;
        item.raw = m;
        item.invalidReason = "invalid_member";
        item.ldu = Ldu.of(m.ldu, m.lduCountry, m.lduState);
        item.strictAudience = true;
        String mid = text(o, "messageId", "message_id");
        item.messageId = mid == null ? null : messageKey("m", mid);
        item.timestamp = timestamp(o.get("timestamp"));
        return item;
    }

    private static String findCanonical(Map<String, Object> fields, String canonical) {
        for (String k : fields.keySet()) if (ColumnAliases.canonical(k).equals(canonical)) return k;
        return null;
    }

    // ---------------------------------------------------------------- Segment

    /**
     * The parse step for Segment: one event, a tracking-API batch or an array → items still to normalize.
     * @param pathType "identify" / "track" for Segment's single-event tracking paths, else null
     */
    public List<WebhookItem> readSegment(byte[] body, String pathType) throws UnreadableBodyException {
        JsonNode root = readTree(body);
        JsonNode batchContext = null;
        if (root.isObject() && root.has("batch")) {
            batchContext = root.get("context");
        }
        List<JsonNode> events = elements(root, true);
        List<WebhookItem> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            WebhookItem item;
            try {
                item = event(i, e, pathType, batchContext);
            } catch (RuntimeException ex) {
                item = WebhookItem.rejected(i, "invalid_event");
            }
            out.add(item);
        }
        return out;
    }

    private WebhookItem event(int index, JsonNode e, String pathType, JsonNode batchContext) {
        if (!e.isObject()) return WebhookItem.rejected(index, "not_an_object");
        String type = text(e, "type");
        if (type == null) type = pathType;
        if (type == null) type = e.has("event") ? "track" : e.has("traits") ? "identify" : null;
        if (type == null) return WebhookItem.rejected(index, "unknown_event_type");
        type = type.toLowerCase(Locale.ROOT);
        if (!type.equals("identify") && !type.equals("track")) return WebhookItem.ignored(index, "not_an_audience_event");
        boolean track = type.equals("track");

        JsonNode context = e.get("context");
        if ((context == null || !context.isObject()) && batchContext != null && batchContext.isObject()) context = batchContext;
        JsonNode traits = obj(e.get("traits"));
        JsonNode ctxTraits = context == null ? null : obj(context.get("traits"));
        JsonNode props = track ? obj(e.get("properties")) : null;

        String key = context == null ? null : text(context.path("personas"), "computation_key");
        if (key == null && props != null) key = text(props, "audience_key");
        if (key == null || key.isBlank()) return WebhookItem.ignored(index, "no_audience_key");
        key = key.trim();
        String keyProblem = AudienceValidation.nameProblem(key);
        if (keyProblem != null) return WebhookItem.rejected(index, keyProblem);

        JsonNode flag = track ? (props == null ? null : props.get(key)) : (traits == null ? null : traits.get(key));
        Boolean member = bool(flag);
        if (member == null && track) {
            String ev = text(e, "event");
            if ("Audience Entered".equalsIgnoreCase(ev)) member = true;
            else if ("Audience Exited".equalsIgnoreCase(ev)) member = false;
        }
        if (member == null) return WebhookItem.ignored(index, "no_membership_flag");

        Map<String, Object> fields = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        collect(traits, key, fields, seen);
        collect(ctxTraits, key, fields, seen);
        collect(props, key, fields, seen);

        RawMember m = new MemberMapper(null, null, null).map(RecordReaders.fromMap(index, fields));
        m.audienceId = null;
        m.audienceName = key;
        m.action = member ? Action.ADD : Action.REMOVE;
        String userId = text(e, "userId");
        if (userId != null && !userId.isBlank() && m.first(MetaKey.EXTERN_ID) == null) m.add(MetaKey.EXTERN_ID, userId.trim());
        String madid = context == null ? null : text(context.path("device"), "advertisingId");
        if (madid != null && !madid.isBlank() && m.first(MetaKey.MADID) == null) m.add(MetaKey.MADID, madid.trim());

        WebhookItem item = new WebhookItem(index);
        item.audience = AudienceRef.ofName(key);
        item.action = m.action;
        item.raw = m;
        item.invalidReason = "invalid_event";
        item.userId = userId == null || userId.isBlank() ? null : userId.trim();
        item.strictAudience = false;
        String mid = text(e, "messageId");
        item.messageId = mid == null ? null : messageKey("s", mid);
        JsonNode ts = e.get("timestamp");
        if (ts == null || ts.isNull()) ts = e.get("originalTimestamp");
        item.timestamp = timestamp(ts);
        return item;
    }

    /** traits / properties → identifier fields; the first source wins for a name (no duplicate rows). */
    private static void collect(JsonNode o, String audienceKey, Map<String, Object> fields, Set<String> seen) {
        if (o == null) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals(audienceKey)) continue;
            JsonNode v = e.getValue();
            if (v.isObject()) {
                if (ColumnAliases.canonical(name).equals("address")) {
                    // Segment spec: traits.address {street, city, state, postalCode, country}
                    collect(v, audienceKey, fields, seen);
                }
                continue;
            }
            ColumnAliases.Column c = ColumnAliases.resolve(name);
            ColumnAliases.Kind k = c.kind();
            if (k == ColumnAliases.Kind.IGNORED || k == ColumnAliases.Kind.AUDIENCE_ID || k == ColumnAliases.Kind.AUDIENCE_NAME
                    || k == ColumnAliases.Kind.ACTION) continue;
            String canon = ColumnAliases.canonical(name);
            if (!seen.add(canon)) continue;
            Object val = scalarOrList(v);
            if (val != null) fields.put(name, val);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** root → list of items; {"batch":[...]} only when batchKey; a bare object is one item. */
    private static List<JsonNode> elements(JsonNode root, boolean batchKey) throws UnreadableBodyException {
        List<JsonNode> l = new ArrayList<>();
        if (root.isArray()) {
            root.forEach(l::add);
        } else if (root.isObject()) {
            if (batchKey && root.has("batch")) {
                JsonNode b = root.get("batch");
                if (!b.isArray()) throw new UnreadableBodyException("\"batch\" must be an array of events");
                b.forEach(l::add);
            } else {
                l.add(root);
            }
        } else {
            throw new UnreadableBodyException("the body must be a JSON object or an array");
        }
        if (l.isEmpty()) throw new UnreadableBodyException("no events in the body");
        return l;
    }

    private static JsonNode obj(JsonNode n) { return n != null && n.isObject() ? n : null; }

    private static String text(JsonNode o, String... names) {
        if (o == null) return null;
        for (String name : names) {
            JsonNode n = o.get(name);
            if (n != null && (n.isTextual() || n.isNumber())) return n.asText();
        }
        return null;
    }

    private static Boolean bool(JsonNode n) {
        if (n == null) return null;
        if (n.isBoolean()) return n.booleanValue();
        if (n.isTextual()) {
            String s = n.asText().trim().toLowerCase(Locale.ROOT);
            if (s.equals("true")) return true;
            if (s.equals("false")) return false;
        }
        return null;
    }

    private static Object scalarOrList(JsonNode v) {
        if (v == null || v.isNull() || v.isObject()) return null;
        if (v.isArray()) {
            List<String> l = new ArrayList<>(v.size());
            for (JsonNode x : v) if (x.isValueNode() && !x.isNull()) l.add(x.asText());
            return l.isEmpty() ? null : l;
        }
        return v.asText();
    }

    static Long timestamp(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isNumber()) return n.longValue();
        if (!n.isTextual()) return null;
        String s = n.asText().trim();
        long fast = isoMillis(s);
        if (fast != Long.MIN_VALUE) return fast;
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /**
     * The usual shape of event timestamps, {@code yyyy-MM-ddTHH:mm:ss[.fraction](Z|+hh:mm|-hh:mm)}, read without
     * java.time's formatter (≈ 1/5 of a Segment event's parsing): epoch milliseconds, or Long.MIN_VALUE for any
     * other shape or an impossible date, which then goes to {@link OffsetDateTime#parse} as before.
     */
    static long isoMillis(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
                || s.charAt(13) != ':' || s.charAt(16) != ':') return Long.MIN_VALUE;
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) return Long.MIN_VALUE;
        int i = 19;
        long millis = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            int len = i - start;
            if (len == 0 || len > 9) return Long.MIN_VALUE;
            millis = digits(s, start, Math.min(3, len));
            for (int k = len; k < 3; k++) millis *= 10;
        }
        if (i >= n) return Long.MIN_VALUE;
        int offsetSeconds;
        char z = s.charAt(i);
        if ((z == 'Z' || z == 'z') && i + 1 == n) {
            offsetSeconds = 0;
        } else if ((z == '+' || z == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || oh > 18 || om > 59) return Long.MIN_VALUE;
            offsetSeconds = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return Long.MIN_VALUE;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return Long.MIN_VALUE;
        }
        return ((epochDay * 86400 + hour * 3600L + minute * 60L + second) - offsetSeconds) * 1000 + millis;
    }

    /** the non-negative number of {@code len} ASCII digits at {@code from}, or -1 */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int k = from; k < from + len; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String messageKey(String channel, String id) {
        String k = channel + ":" + id.trim();
        return k.length() <= 200 ? k : channel + ":sha256:" + Sha256.hex(id.trim());
    }

    /** a hash naming the user: userId when known, else the strongest identifier of the (final, hashed) row */
    static String memberKey(String userId, List<String[]> rows) {
        if (userId != null) return Sha256.hex("user:" + userId);
        if (rows.isEmpty()) return null;
        String[] r = rows.get(0);
        for (MetaKey k : new MetaKey[]{MetaKey.EXTERN_ID, MetaKey.EMAIL, MetaKey.PHONE, MetaKey.MADID}) {
            String v = r[k.ordinal()];
            if (v != null && !v.isEmpty()) return Sha256.hex(k.name() + ":" + v);
        }
        return Sha256.hex(String.join("|", r));
    }
}
