package com.metaaudiencesync.reliability;

import com.metaaudiencesync.fake.FakeGraphApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A webhook's 202 means durable: the packaged jar answers 202 to a stream of webhook requests, is killed with
 * SIGKILL right after the last 202, and after a restart every member that got a 202 reaches Meta. Half the
 * requests go to server.port (Spring MVC), half to the dedicated Vert.x listener (sync.webhook.port).
 */
class WebhookKillNineIT {
    static final FakeGraphApi fake = FakeGraphApi.start(ReliabSupport.TOKEN);

    @AfterAll
    static void stop() { fake.close(); }

    @BeforeAll
    static void onlyAgainstThePackagedJar() {
        Assumptions.assumeTrue(System.getProperty("mas.jar") != null,
                "runs in failsafe after package (mvn verify), against target/meta-audience-sync.jar");
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    @Test
    void everyMemberAnswered202SurvivesAKillMinus9() throws Exception {
        Path work = ReliabSupport.tempDir("webhook-kill9");
        Path out = work.resolve("stdout.log");
        int port = freePort();
        Map<String, String> props = ReliabKillNineIT.props(work, 10_000);
        props.put("server.port", String.valueOf(port));
        int listenerPort = freePort();
        props.put("sync.webhook.port", String.valueOf(listenerPort)); // half the members go through the Vert.x listener
        props.put("sync.webhook.allow-unauthenticated", "true"); // live mode (a token) and no webhook credential
        props.put("meta.graph-url", fake.baseUrl());
        props.put("sync.batch-timeout", "30s"); // rows stay in mas_pending until after the kill
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        URI listener = URI.create("http://127.0.0.1:" + listenerPort);

        ServiceProcess p = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!p.alive()) return true;
            try {
                // the webhook routes are up once an empty body gets the route's own 400 (not the server's 404)
                return http.send(HttpRequest.newBuilder(base.resolve("/webhooks/members")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("[]")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 400;
            } catch (Exception e) { return false; }
        });
        assertThat(p.alive()).as("service died by itself; see " + out).isTrue();
        assertThat(http.send(HttpRequest.newBuilder(listener.resolve("/webhooks/members")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[]")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(400);

        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String email = ReliabSupport.email("hook", i);
            String body = "{\"audience\":\"HookKill\",\"action\":\"add\",\"email\":\"" + email + "\",\"messageId\":\"kill-" + i + "\"}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder((i % 2 == 0 ? base : listener).resolve("/webhooks/members"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 202) accepted.add(email);
        }
        p.kill9(); // right after the last 202
        assertThat(accepted).hasSize(200);
        assertThat(fake.audienceIdByName("HookKill")).as("nothing was sent before the kill (batch-timeout 30s)").isNull();

        props.put("sync.batch-timeout", "1s");
        ServiceProcess p2 = ServiceProcess.start(props, ReliabSupport.TOKEN, out);
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ReliabSupport.memberEmailHashes(fake, "HookKill").size() >= accepted.size() || !p2.alive());
        } finally {
            p2.sigterm(60);
        }
        assertThat(ReliabSupport.memberEmailHashes(fake, "HookKill")).isEqualTo(ReliabSupport.hashes(accepted));
    }
}
