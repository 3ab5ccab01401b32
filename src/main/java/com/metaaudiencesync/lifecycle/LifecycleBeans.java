package com.metaaudiencesync.lifecycle;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;

import java.time.Duration;

/** Start-up and shutdown of the intake: the webhook gate, its filter, readiness and the drain on SIGTERM. */
@Configuration
public class LifecycleBeans {
    private static final Logger log = LoggerFactory.getLogger(LifecycleBeans.class);

    @Bean
    public IntakeGate intakeGate() { return new IntakeGate(); }

    /** first of all filters on the webhook paths: nothing else runs for a request refused while closed */
    @Bean
    public FilterRegistrationBean<IntakeGateFilter> intakeGateFilter(IntakeGate gate, @Value("${sync.webhook.retry-after-seconds:5}") int retryAfter) {
        FilterRegistrationBean<IntakeGateFilter> reg = new FilterRegistrationBean<>(new IntakeGateFilter(gate, retryAfter));
        reg.addUrlPatterns("/webhooks/*", "/v1/*");
        reg.setName("intakeGate");
        reg.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return reg;
    }

    @Bean
    public PipelineReadiness pipelineHealthIndicator(IntakeGate gate, CamelContext camel) { return new PipelineReadiness(gate, camel); }

    @Bean
    public IntakeDrain intakeDrain(IntakeGate gate, ObjectProvider<CamelContext> camel, ApplicationContext context,
                                   @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration timeout) {
        return new IntakeDrain(gate, camel, context, timeout);
    }

    /**
     * Opens the gate once the application is ready (Camel's routes started), closes it when shutdown begins and,
     * as the first lifecycle to stop (before the web server and Camel), waits for the requests already let in.
     * Camel comes through a provider: a lifecycle bean that depends on it would start it before its routes are loaded.
     */
    public static final class IntakeDrain implements SmartLifecycle {
        private final IntakeGate gate;
        private final ObjectProvider<CamelContext> camel;
        private final ApplicationContext context;
        private final Duration timeout;
        private volatile boolean running;

        IntakeDrain(IntakeGate gate, ObjectProvider<CamelContext> camel, ApplicationContext context, Duration timeout) {
            this.gate = gate;
            this.camel = camel;
            this.context = context;
            this.timeout = timeout;
        }

        @EventListener
        public void onReady(ApplicationReadyEvent e) {
            if (e.getApplicationContext() != context) return;
            CamelContext c = camel.getObject();
            if (!c.isStarted()) {
                log.warn("Application ready but Camel is {}: webhooks keep answering 503", c.getStatus());
                return;
            }
            gate.open();
            log.info("Ready: taking files, webhooks and polls ({} routes running)", c.getRoutes().size());
        }

        @EventListener
        public void onClose(ContextClosedEvent e) {
            if (e.getApplicationContext() == context) gate.drain();
        }

        @Override public void start() { running = true; }

        @Override public boolean isRunning() { return running; }

        /** stops first: higher phases stop earlier, and the web server (graceful) and Camel stop below this */
        @Override public int getPhase() { return Integer.MAX_VALUE; }

        @Override public void stop() {
            running = false;
            gate.drain();
            AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
            int n = gate.inFlight();
            try {
                boolean idle = gate.awaitIdle(timeout);
                if (n > 0) log.info("Shutdown: {} webhook requests in flight {}", n, idle ? "answered" : "still running after " + timeout);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
