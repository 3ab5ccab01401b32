package com.metaaudiencesync.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The start-up JIT warm-up's stand-in for the Graph API: an HTTP server on the loopback interface, up only while
 * the warm-up runs, that reads each request to its end and answers as Meta answers a successful call (an audience
 * list with nothing in it, a created audience, an accepted batch). It checks nothing and keeps nothing: the
 * requests carry made-up rows and a made-up token, and only exist so that the sending code (the HTTP connection,
 * the answer's parsing, the acknowledgement) is compiled before the first real file. The JDK's own HTTP server,
 * because it is part of the JDK and this needs nothing more.
 */
final class WarmUpGraph implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads;

    private WarmUpGraph(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    static WarmUpGraph start() throws IOException {
        // answers go out at once (TCP_NODELAY), as Meta's do: without it each answer to a large request waits for
        // the client's delayed ACK (~40 ms). The JDK server reads this property when it is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "mas-warm-up-graph");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(pool);
        s.createContext("/", WarmUpGraph::answer);
        s.start();
        return new WarmUpGraph(s, pool);
    }

    /** the base URL to use as {@code meta.graph-url} */
    String url() { return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort(); }

    private static void answer(HttpExchange x) throws IOException {
        try (x) {
            try (InputStream in = x.getRequestBody()) {
                byte[] buf = new byte[1 << 16];
                while (in.read(buf) >= 0) { /* read to the end: the client writes the whole body before it reads */ }
            }
            String path = x.getRequestURI().getPath();
            String body;
            if (path.endsWith("/customaudiences")) body = "GET".equals(x.getRequestMethod()) ? "{\"data\":[]}" : "{\"id\":\"1\"}";
            else if (path.endsWith("/users") || path.endsWith("/usersreplace")) body = "{\"audience_id\":\"1\",\"num_invalid_entries\":0}";
            else body = "{\"success\":true}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) { out.write(b); }
        }
    }

    @Override public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
