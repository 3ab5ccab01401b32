package com.metaaudiencesync.lifecycle;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** Readiness follows the gate and the routes that are meant to run, on a real Camel context. */
class PipelineReadinessTest {
    static CamelContext camel(boolean stopOneRoute) throws Exception {
        CamelContext c = new DefaultCamelContext();
        c.addRoutes(new RouteBuilder() {
            @Override public void configure() {
                from("direct:a").routeId("a").log("a");
                from("direct:manual").routeId("manual").autoStartup(false).log("manual");
            }
        });
        c.start();
        if (stopOneRoute) c.getRouteController().stopRoute("a");
        return c;
    }

    @Test
    void outOfServiceWhileStartingUpWhenOpenAndOutOfServiceAgainWhenDraining() throws Exception {
        try (CamelContext c = camel(false)) {
            IntakeGate gate = new IntakeGate();
            PipelineReadiness r = new PipelineReadiness(gate, c);
            assertThat(r.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            gate.open();
            assertThat(r.health().getStatus()).as("a route declared autoStartup: false does not hold readiness back").isEqualTo(Status.UP);
            gate.drain();
            assertThat(r.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(gate.enter()).as("no request is let in once draining").isFalse();
        }
    }

    @Test
    void aStoppedRouteMakesTheServiceNotReady() throws Exception {
        try (CamelContext c = camel(true)) {
            IntakeGate gate = new IntakeGate();
            gate.open();
            assertThat(new PipelineReadiness(gate, c).health().getDetails().get("reason").toString()).contains("a");
            assertThat(new PipelineReadiness(gate, c).health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        }
    }
}
