package com.metaaudiencesync.config;

import com.metaaudiencesync.lifecycle.IntakeGate;
import com.metaaudiencesync.lifecycle.IntakeGateFilter;
import com.metaaudiencesync.webhook.Problems;
import com.metaaudiencesync.webhook.WebhookResult;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Locale;


/**
 * The dedicated webhook listener: the same webhook routes as on {@code server.port}, served by Camel
 * platform-http on Vert.x on {@code sync.webhook.port}. Spring MVC on Tomcat costs about 1 ms of CPU per
 * request before our code runs; Vert.x's event loop parses and answers a small request in a fraction of that,
 * and hands the exchange to its worker pool (our handler blocks until the group commit). Only the webhook
 * paths are served there (actuator and /api stay on {@code server.port}); unknown paths get 404, a wrong
 * method 405, bodies over {@code sync.webhook.max-bytes} 413 — with RFC 7807 problem bodies, as on server.port.
 */
@Configuration
@ConditionalOnProperty(prefix = "sync.webhook", name = "port")
public class WebhookListenerBeans {
    private static final Logger log = LoggerFactory.getLogger(WebhookListenerBeans.class);

    /** the component name the listener's routes use (the default platform-http stays on Spring MVC) */
    public static final String COMPONENT = "webhook-http";
    /** webhook paths (CONTRACT §4), the same as routes/intake-webhook.camel.yaml */
    static final String[] PATHS = {"/webhooks/members", "/webhooks/segment", "/v1/batch", "/v1/identify", "/v1/track"};

    /** The running listener: its actual port (useful when sync.webhook.port is 0). */
    public static final class WebhookListener {
        private final VertxPlatformHttpServer server;
        WebhookListener(VertxPlatformHttpServer server) { this.server = server; }
        public int port() { return server.getServer() == null ? -1 : server.getServer().actualPort(); }
    }

    /**
     * The Vert.x engine of the listener's component. The stock engine registers itself as the context's
     * default platform-http engine when initialised, which would move the server.port routes off Spring MVC;
     * this one stays private to its component.
     */
    static final class ListenerEngine extends VertxPlatformHttpEngine {
        @Override protected void doInit() { /* not registered as the default engine */ }
    }

    @Bean
    public WebhookListener webhookListener(SyncProperties sync) {
        SyncProperties.Webhook w = sync.getWebhook();
        VertxPlatformHttpServerConfiguration c = new VertxPlatformHttpServerConfiguration();
        c.setBindPort(w.getPort());
        c.setBindHost(w.getBindHost());
        // Vert.x reads the body into memory up to this size and answers 413 beyond it, without reading the rest
        c.setMaxBodySize(w.getMaxBytes().toBytes());
        return new WebhookListener(new ListenerServer(c));
    }

    /** a named class: Camel names the server's thread pool after the class's simple name */
    static final class ListenerServer extends VertxPlatformHttpServer {
        ListenerServer(VertxPlatformHttpServerConfiguration c) { super(c); }

        @Override protected Vertx createVertxInstance() {
            // event loops: one per core is plenty for small requests; the worker pool runs the handler, which
            // waits for the group commit, so it needs as many threads as requests waiting together
            return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())))
                    .setWorkerPoolSize(64));
        }
    }

    @Bean
    public CamelContextConfiguration webhookListenerSetup(WebhookListener listener, SyncProperties sync, IntakeGate gate,
                                                          @Value("${sync.webhook.retry-after-seconds:5}") int retryAfter) {
        return new CamelContextConfiguration() {
            @Override public void beforeApplicationStart(CamelContext context) {
                try {
                    // started here, before the routes: their consumers look the server's router up when they start
                    listener.server.setCamelContext(context);
                    listener.server.start();
                    context.addService(listener.server, true, false);
                } catch (Exception e) {
                    throw new IllegalStateException("could not start the webhook listener on port " + sync.getWebhook().getPort(), e);
                }
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                        VertxPlatformHttpRouter.getRouterNameFromPort(sync.getWebhook().getPort()));
                if (router == null) throw new IllegalStateException("the webhook listener's router is missing");
                // first: 503 + Retry-After while the service starts or stops (the port opens before the routes run)
                router.route().order(Integer.MIN_VALUE).handler(rc -> {
                    if (!gate.enter()) {
                        problem(rc, IntakeGateFilter.closed(gate, retryAfter));
                        return;
                    }
                    rc.addEndHandler(done -> gate.exit());
                    rc.next();
                });
                // then: the body is JSON whatever the client declared (a form content type would make the body
                // handler parse it as form fields and leave no body); the handler reads the raw bytes
                router.route().order(Integer.MIN_VALUE + 1).handler(rc -> {
                    String ct = rc.request().getHeader("Content-Type");
                    if (ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                        rc.request().headers().set("Content-Type", "application/json");
                    }
                    rc.next();
                });
                // failures of the body handler (413 over max-bytes) as problem bodies, like on server.port
                router.route().order(Integer.MIN_VALUE + 2).failureHandler(rc -> {
                    if (rc.statusCode() == 413) problem(rc, Problems.tooLarge(sync.getWebhook().getMaxBytes().toBytes()));
                    else rc.next();
                });
                // after the webhook routes: any other path (the root router's 404 would be an HTML page)
                router.route().last().handler(rc -> problem(rc, Problems.notFound()));
                PlatformHttpComponent component = new PlatformHttpComponent();
                component.setEngine(new ListenerEngine());
                context.addComponent(COMPONENT, component);
            }

            @Override public void afterApplicationStart(CamelContext context) {
                log.info("Webhook listener (Vert.x) on {}:{} for {}", sync.getWebhook().getBindHost(), listener.port(), String.join(", ", PATHS));
            }
        };
    }

    private static void problem(RoutingContext rc, WebhookResult r) {
        if (rc.response().ended()) return;
        rc.response().setStatusCode(r.status());
        r.headers().forEach(rc.response()::putHeader);
        rc.response().end(Buffer.buffer(r.body()));
    }

    /**
     * the webhook routes on the listener: route template webhook-intake (routes/intake-webhook.camel.yaml), the
     * same steps as on server.port; Camel adds templated routes after every builder's templates are known
     */
    @Bean
    public RouteBuilder webhookListenerRoutes() {
        return new RouteBuilder() {
            @Override public void configure() {
                for (String path : PATHS) {
                    templatedRoute("webhook-intake")
                            .routeId("webhook-listener" + path.replace('/', '-'))
                            .parameter("from", COMPONENT + ":" + path);
                }
            }
        };
    }
}
