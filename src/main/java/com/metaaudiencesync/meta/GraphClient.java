package com.metaaudiencesync.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.metaaudiencesync.config.MetaProperties;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Graph API's credentials and its small calls: audience look-ups, the account probe and audience creation,
 * on the JDK's HttpClient. Batch POSTs go through the Camel http endpoint of routes/send.camel.yaml; their
 * bodies carry the credentials written by {@link #writeAuth}. Log lines name the method and path only.
 */
public class GraphClient {
    private static final JsonFactory JSON = new JsonFactory();

    /** Writes the request's own JSON fields (payload, session, method, ...). */
    public interface BodyWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private final MetaProperties meta;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final String appsecretProof;
    /** sees every answer (API version notices); none by default */
    private volatile Consumer<GraphResponse> responseObserver = r -> { };

    public GraphClient(MetaProperties meta, Duration connectTimeout, Duration requestTimeout) {
        this.meta = meta;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
        this.appsecretProof = meta.getAppSecret() == null || meta.getAppSecret().isBlank() || !meta.hasToken() ? null
                : new HmacUtils(HmacAlgorithms.HMAC_SHA_256, meta.getAppSecret()).hmacHex(meta.getAccessToken());
    }

    public void setResponseObserver(Consumer<GraphResponse> observer) { this.responseObserver = observer; }

    /** hands an answer to the observer (also called for the batch POSTs of the send route) */
    public GraphResponse observed(GraphResponse r) {
        try {
            responseObserver.accept(r);
        } catch (RuntimeException e) {
            // an observer never costs the call its answer
        }
        return r;
    }

    public String base() {
        String b = meta.getGraphUrl();
        if (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        return b + "/" + meta.getApiVersion();
    }

    public String accountPath() { return "act_" + meta.accountDigits(); }

    public GraphResponse get(String path, Map<String, String> params) throws IOException {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            q.append(q.length() == 0 ? "" : "&").append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        appendAuth(q);
        return send(HttpRequest.newBuilder(URI.create(base() + "/" + path + "?" + q)).GET());
    }

    /** GET of an absolute paging URL Meta returned ("paging.next"); the token is re-applied, never taken from it. */
    public GraphResponse getAbsolute(String url) throws IOException {
        String clean = url.replaceAll("([?&])(access_token|appsecret_proof)=[^&]*&?", "$1");
        StringBuilder q = new StringBuilder();
        appendAuth(q);
        String sep = clean.contains("?") ? (clean.endsWith("?") || clean.endsWith("&") ? "" : "&") : "?";
        return send(HttpRequest.newBuilder(URI.create(clean + sep + q)).GET());
    }

    /** A small JSON POST (audience creation); the credentials travel in the body, never in the URL. */
    public GraphResponse postJson(String path, BodyWriter writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            writer.write(g);
            writeAuth(g);
            g.writeEndObject();
        }
        return send(HttpRequest.newBuilder(URI.create(base() + "/" + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }

    /** access_token and, with an app secret, appsecret_proof as fields of a JSON body. */
    public void writeAuth(JsonGenerator g) throws IOException {
        if (meta.hasToken()) g.writeStringField("access_token", meta.getAccessToken());
        if (appsecretProof != null) g.writeStringField("appsecret_proof", appsecretProof);
    }

    private void appendAuth(StringBuilder q) {
        if (meta.hasToken()) q.append(q.length() == 0 ? "" : "&").append("access_token=").append(enc(meta.getAccessToken()));
        if (appsecretProof != null) q.append("&appsecret_proof=").append(appsecretProof);
    }

    private GraphResponse send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r = http.send(request.timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return observed(new GraphResponse(r.statusCode(), r.headers(), r.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
