package com.metaaudiencesync.lifecycle;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

import java.util.List;

/**
 * The readiness probe's own check: UP only when the webhook gate is open and every route (files, webhooks,
 * polls, sending) is running; OUT_OF_SERVICE while starting, draining, or with a route stopped.
 */
public class PipelineReadiness implements HealthIndicator {
    private final IntakeGate gate;
    private final CamelContext camel;

    public PipelineReadiness(IntakeGate gate, CamelContext camel) {
        this.gate = gate;
        this.camel = camel;
    }

    @Override
    public Health health() {
        if (gate.state() == IntakeGate.State.STARTING) return notReady("starting: webhooks answer 503 with Retry-After until the routes run");
        if (gate.state() == IntakeGate.State.DRAINING) return notReady("shutting down: finishing " + gate.inFlight() + " webhook requests, taking no new work");
        // a route a user declared with autoStartup: false is stopped on purpose and does not hold readiness back
        List<String> stopped = camel.getRoutes().stream().filter(r -> !Boolean.FALSE.equals(r.isAutoStartup())).map(Route::getRouteId)
                .filter(id -> camel.getRouteController().getRouteStatus(id) != ServiceStatus.Started).toList();
        if (!camel.isStarted() || !stopped.isEmpty()) return notReady("routes not running: " + stopped);
        return Health.up().withDetail("routes", camel.getRoutes().size()).withDetail("webhooksInFlight", gate.inFlight()).build();
    }

    private static Health notReady(String reason) {
        return Health.status(Status.OUT_OF_SERVICE).withDetail("reason", reason).build();
    }
}
