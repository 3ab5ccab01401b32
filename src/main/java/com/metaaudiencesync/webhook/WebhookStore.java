package com.metaaudiencesync.webhook;

import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.store.AudienceRef;
import com.metaaudiencesync.store.PendingStore;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The durable side of webhook intake. {@link #commit} decides, in ONE transaction, for every candidate item:
 * duplicate message id (table mas_webhook_message), older than what was already applied to that member of
 * that audience (table mas_member_clock), remove for an audience name never seen; and appends the rows of
 * the accepted ones to mas_pending ({@link PendingStore#append}, which joins the transaction). Either all of
 * it is committed (then the caller answers 202) or nothing is.
 * Portable SQL (H2 and PostgreSQL); a race on a new key between two requests or instances surfaces as a
 * duplicate key and the whole transaction is retried.
 */
public class WebhookStore {
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final PendingStore pending;
    private final Set<String> knownAudienceNames = ConcurrentHashMap.newKeySet();

    public WebhookStore(JdbcTemplate jdbc, TransactionTemplate tx, PendingStore pending) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.pending = pending;
    }

    /** One request waiting for the group-commit writer. */
    private record Job(List<WebhookItem> items, String source, CompletableFuture<Integer> done) {}

    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>(10_000);
    private volatile Thread writer;
    private static final int MAX_GROUP = 256;

    /**
     * Stores a request's members durably; returns when they are committed. Concurrent requests are committed
     * together (group commit: one transaction, one database write, for everything that arrived meanwhile), which
     * is what makes thousands of durable requests per second possible; a group that fails is retried request by
     * request, so one request's problem never fails another.
     * @return rows appended to mas_pending
     */
    public int commit(List<WebhookItem> items, String source) {
        startWriter();
        Job j = new Job(items, source, new CompletableFuture<>());
        try {
            if (!queue.offer(j, 5, TimeUnit.SECONDS)) throw new TransientDataAccessResourceException("webhook store queue full");
            return j.done.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientDataAccessResourceException("interrupted");
        } catch (TimeoutException e) {
            throw new QueryTimeoutException("webhook store did not answer in time");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    private void startWriter() {
        if (writer != null) return;
        synchronized (this) {
            if (writer != null) return;
            Thread t = new Thread(this::writeLoop, "mas-webhook-commit");
            t.setDaemon(true);
            t.start();
            writer = t;
        }
    }

    private void writeLoop() {
        List<Job> group = new ArrayList<>(MAX_GROUP);
        while (true) {
            try {
                group.clear();
                group.add(queue.take());
                queue.drainTo(group, MAX_GROUP - 1);
                commitGroup(group);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                for (Job j : group) j.done.completeExceptionally(t);
            }
        }
    }

    private void commitGroup(List<Job> group) {
        if (group.size() > 1) {
            Set<String> newlyKnown = new HashSet<>();
            try {
                for (Job j : group) j.items.forEach(WebhookItem::reset);
                List<List<WebhookItem>> items = new ArrayList<>(group.size());
                List<String> sources = new ArrayList<>(group.size());
                for (Job j : group) { items.add(j.items); sources.add(j.source); }
                int[] counts = tx.execute(s -> {
                    // the whole group in one go: one message-id lookup, one insert of ids, one append of rows
                    List<List<PendingStore.PendingRow>> perJob = apply(items, sources, newlyKnown);
                    int[] c = new int[group.size()];
                    List<PendingStore.PendingRow> rows = new ArrayList<>();
                    for (int i = 0; i < group.size(); i++) {
                        c[i] = perJob.get(i).size();
                        rows.addAll(perJob.get(i));
                    }
                    pending.append(rows);
                    return c;
                });
                knownAudienceNames.addAll(newlyKnown);
                for (int i = 0; i < group.size(); i++) group.get(i).done.complete(counts[i]);
                return;
            } catch (RuntimeException e) {
                // fall through: each request alone, so one request's failure stays its own
            }
        }
        for (Job j : group) {
            try {
                j.done.complete(commitAlone(j.items, j.source));
            } catch (RuntimeException e) {
                j.done.completeExceptionally(e);
            }
        }
    }

    private int commitAlone(List<WebhookItem> items, String source) {
        DuplicateKeyException last = null;
        for (int attempt = 0; attempt < 4; attempt++) {
            items.forEach(WebhookItem::reset);
            Set<String> newlyKnown = new HashSet<>();
            try {
                Integer n = tx.execute(s -> {
                    List<PendingStore.PendingRow> rows = apply(List.of(items), List.of(source), newlyKnown).get(0);
                    pending.append(rows);
                    return rows.size();
                });
                knownAudienceNames.addAll(newlyKnown);
                return n == null ? 0 : n;
            } catch (DuplicateKeyException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * Decides every item of some requests (in order, as if they were committed one after the other: a message id
     * seen in an earlier request of the group makes a later one a duplicate) and returns each request's rows.
     */
    private List<List<PendingStore.PendingRow>> apply(List<List<WebhookItem>> requests, List<String> sources, Set<String> newlyKnown) {
        long now = System.currentTimeMillis();
        Set<String> taken = takenMessageIds(requests);
        Clocks clocks = new Clocks(requests);
        Set<String> inThisRequest = new HashSet<>();
        List<Object[]> newIds = new ArrayList<>();
        List<List<PendingStore.PendingRow>> out = new ArrayList<>(requests.size());
        for (int q = 0; q < requests.size(); q++) {
            out.add(applyOne(requests.get(q), sources.get(q), newlyKnown, now, taken, inThisRequest, newIds, clocks));
        }
        if (!newIds.isEmpty()) jdbc.batchUpdate("INSERT INTO mas_webhook_message(message_id, received_at) VALUES (?,?)", newIds);
        clocks.write();
        return out;
    }

    private List<PendingStore.PendingRow> applyOne(List<WebhookItem> items, String source, Set<String> newlyKnown, long now,
                                                   Set<String> taken, Set<String> inThisRequest, List<Object[]> newIds, Clocks clocks) {
        List<PendingStore.PendingRow> rows = new ArrayList<>();
        for (WebhookItem it : items) {
            if (!it.candidate()) continue;
            if (it.messageId != null) {
                if (taken.contains(it.messageId) || !inThisRequest.add(it.messageId)) {
                    it.decide(WebhookItem.Status.DUPLICATE, "duplicate_message_id");
                    continue;
                }
                newIds.add(new Object[]{it.messageId, now});
            }
            String audienceKey = it.audience.key();
            if (it.timestamp != null && it.memberKey != null && !clocks.advance(audienceKey, it.memberKey, it.timestamp, it.action)) {
                it.decide(WebhookItem.Status.IGNORED, "stale_event");
                continue;
            }
            if (it.action == Action.REMOVE && it.audience.id() == null && !known(it.audience, newlyKnown)) {
                it.decide(it.strictAudience ? WebhookItem.Status.REJECTED : WebhookItem.Status.IGNORED, "unknown_audience");
                continue;
            }
            if (it.action == Action.ADD && it.audience.id() == null) newlyKnown.add(it.audience.name());
            for (String[] r : it.rows) rows.add(new PendingStore.PendingRow(it.audience, it.action, r, source, it.ldu));
            it.decide(WebhookItem.Status.ACCEPTED, null);
        }
        return rows;
    }

    private Set<String> takenMessageIds(List<List<WebhookItem>> requests) {
        List<String> ids = new ArrayList<>();
        for (List<WebhookItem> items : requests) for (WebhookItem it : items) if (it.candidate() && it.messageId != null) ids.add(it.messageId);
        Set<String> taken = new HashSet<>();
        for (int from = 0; from < ids.size(); from += 200) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + 200));
            String in = String.join(",", Collections.nCopies(part.size(), "?"));
            taken.addAll(jdbc.queryForList("SELECT message_id FROM mas_webhook_message WHERE message_id IN (" + in + ")", String.class, part.toArray()));
        }
        return taken;
    }

    /**
     * The member clocks a group of requests touches: read with one query per 200 members (a row-value
     * IN over the primary key), decided in memory in arrival order, written back with one batch of updates and one of inserts.
     * An update guarded by the clock it read ({@code event_ts<=?}) that changes nothing, or an insert that meets
     * an existing row, means another instance moved that clock meanwhile: the transaction fails with a
     * DuplicateKeyException and the request is decided again from the database (commitAlone retries).
     */
    private final class Clocks {
        /** "audience\nmember" -> newest applied event time (from the database, then as decided here) */
        private final Map<String, Long> current = new HashMap<>();
        /** the clocks as read from the database (the guard of each update) */
        private final Map<String, Long> read = new HashMap<>();
        /** what to write back, the last decision per member (audienceKey, memberKey, ts, action) */
        private final Map<String, Object[]> writes = new LinkedHashMap<>();

        Clocks(List<List<WebhookItem>> requests) {
            Map<String, Set<String>> byAudience = new LinkedHashMap<>();
            for (List<WebhookItem> items : requests) {
                for (WebhookItem it : items) {
                    if (it.candidate() && it.timestamp != null && it.memberKey != null) {
                        byAudience.computeIfAbsent(it.audience.key(), k -> new LinkedHashSet<>()).add(it.memberKey);
                    }
                }
            }
            List<String[]> pairs = new ArrayList<>();
            byAudience.forEach((audienceKey, members) -> members.forEach(m -> pairs.add(new String[]{audienceKey, m})));
            for (int from = 0; from < pairs.size(); from += 200) {
                List<String[]> part = pairs.subList(from, Math.min(pairs.size(), from + 200));
                Object[] params = new Object[2 * part.size()];
                for (int i = 0; i < part.size(); i++) { params[2 * i] = part.get(i)[0]; params[2 * i + 1] = part.get(i)[1]; }
                // a row-value IN: H2 and PostgreSQL look each pair up in the primary key (with "audience_key=? AND
                // member_key IN (...)" H2 would scan every member of the audience)
                String in = String.join(",", Collections.nCopies(part.size(), "(?,?)"));
                jdbc.query("SELECT audience_key, member_key, event_ts FROM mas_member_clock WHERE (audience_key, member_key) IN (" + in + ")", rs -> {
                    String k = rs.getString(1) + "\n" + rs.getString(2);
                    current.put(k, rs.getLong(3));
                    read.put(k, rs.getLong(3));
                }, params);
            }
        }

        /** @return false when an event newer than {@code ts} was already applied to this member of this audience */
        boolean advance(String audienceKey, String memberKey, long ts, Action action) {
            String k = audienceKey + "\n" + memberKey;
            Long cur = current.get(k);
            if (cur != null && cur > ts) return false;
            current.put(k, ts);
            writes.put(k, new Object[]{audienceKey, memberKey, ts, action.name()});
            return true;
        }

        void write() {
            List<Object[]> updates = new ArrayList<>(), inserts = new ArrayList<>();
            writes.forEach((k, w) -> {
                Long before = read.get(k);
                if (before != null) {
                    updates.add(new Object[]{w[2], w[3], w[0], w[1], before});
                } else {
                    inserts.add(new Object[]{w[0], w[1], w[2], w[3]});
                }
            });
            if (!updates.isEmpty()) {
                int[] n = jdbc.batchUpdate("UPDATE mas_member_clock SET event_ts=?, action=? WHERE audience_key=? AND member_key=? AND event_ts<=?", updates);
                for (int c : n) {
                    if (c == 0) throw new DuplicateKeyException("a member clock moved meanwhile (another instance)");
                }
            }
            if (!inserts.isEmpty()) jdbc.batchUpdate("INSERT INTO mas_member_clock(audience_key, member_key, event_ts, action) VALUES (?,?,?,?)", inserts);
        }
    }

    /** an audience name is known once it has a Meta id, or has rows waiting (pending or batched), or was added here */
    private boolean known(AudienceRef a, Set<String> newlyKnown) {
        String name = a.name();
        if (knownAudienceNames.contains(name) || newlyKnown.contains(name)) return true;
        boolean k = !jdbc.queryForList("SELECT 1 FROM mas_audience WHERE name=? AND audience_id IS NOT NULL", Integer.class, name).isEmpty()
                || !jdbc.queryForList("SELECT 1 FROM mas_pending WHERE audience_key=? FETCH FIRST 1 ROWS ONLY", Integer.class, a.key()).isEmpty()
                || !jdbc.queryForList("SELECT 1 FROM mas_batch WHERE audience_key=? FETCH FIRST 1 ROWS ONLY", Integer.class, a.key()).isEmpty();
        if (k) knownAudienceNames.add(name);
        return k;
    }

    /** Deletes message ids older than the idempotency window. @return rows deleted */
    public int purge(long windowMillis) {
        return jdbc.update("DELETE FROM mas_webhook_message WHERE received_at<?", System.currentTimeMillis() - windowMillis);
    }

    public long pendingRows() { return pending.count(); }

    public long queuedRows() {
        Number n = jdbc.queryForObject("SELECT COALESCE(SUM(row_count),0) FROM mas_batch", Number.class);
        return n == null ? 0 : n.longValue();
    }
}
