package com.metaaudiencesync.lifecycle;

import com.metaaudiencesync.webhook.Problems;
import com.metaaudiencesync.webhook.WebhookResult;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * On server.port's webhook paths: 503 with Retry-After while the {@link IntakeGate} is closed (start-up, shutdown),
 * so a sender retries instead of meeting the 404 of a route that is not there yet or no longer.
 */
public class IntakeGateFilter extends OncePerRequestFilter {
    private final IntakeGate gate;
    private final int retryAfterSeconds;

    public IntakeGateFilter(IntakeGate gate, int retryAfterSeconds) {
        this.gate = gate;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws ServletException, IOException {
        if (!gate.enter()) {
            WebhookResult r = closed(gate, retryAfterSeconds);
            response.setStatus(r.status());
            r.headers().forEach(response::setHeader);
            response.setContentLength(r.body().length);
            response.getOutputStream().write(r.body());
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            gate.exit();
        }
    }

    /** the answer while the gate is closed (shared with the Vert.x listener) */
    public static WebhookResult closed(IntakeGate gate, int retryAfterSeconds) {
        return Problems.unavailable(retryAfterSeconds, gate.state() == IntakeGate.State.DRAINING
                ? "the service is shutting down; retry (another instance, or this one after its restart)"
                : "the service is starting; retry shortly");
    }
}
