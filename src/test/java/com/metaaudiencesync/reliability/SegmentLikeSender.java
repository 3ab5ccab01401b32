package com.metaaudiencesync.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends batches the way Segment's and RudderStack's client libraries do: a batch is retried with backoff on a
 * connection error, a 5xx or a 429, and dropped for good on any other 4xx. Counts every answer by status.
 */
final class SegmentLikeSender {
    static final String WRITE_KEY = "wk-lifecycle-test";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final String auth = "Basic " + Base64.getEncoder().encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
    final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    final AtomicInteger connectionErrors = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicLong delivered = new AtomicLong();

    /** One Segment identify event that adds {@code email} to the Engage audience {@code audience}. */
    static String identify(String audience, String email, String messageId) {
        return "{\"type\":\"identify\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + messageId + "\",\"traits\":{\"" + audience
                + "\":true,\"email\":\"" + email + "\"},\"context\":{\"personas\":{\"computation_class\":\"audience\",\"computation_key\":\""
                + audience + "\"}}}";
    }

    static String batch(List<String> events) { return "{\"batch\":[" + String.join(",", events) + "]}"; }

    /** Sends one batch until it is taken (2xx) or dropped (another 4xx); true when taken. */
    boolean send(URI url, String body) throws InterruptedException {
        long backoff = 50;
        while (true) {
            int status;
            try {
                status = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                connectionErrors.incrementAndGet();
                status = -1;
            }
            if (status > 0) statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            if (status >= 200 && status < 300) {
                delivered.incrementAndGet();
                return true;
            }
            if (status >= 400 && status < 500 && status != 429) {
                dropped.incrementAndGet();
                return false;
            }
            Thread.sleep(backoff);
            backoff = Math.min(1000, backoff * 2);
        }
    }

    /** statuses other than 2xx and 503 (what a sender must never see from a starting or stopping service) */
    Map<Integer, Integer> unexpected() {
        Map<Integer, Integer> m = new TreeMap<>();
        statuses.forEach((s, n) -> { if (s / 100 != 2 && s != 503) m.put(s, n.get()); });
        return m;
    }
}
