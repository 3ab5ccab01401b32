package com.metaaudiencesync.reliability;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * bin/start.sh as a user runs it after a build: it prepares the fast start-up layout (bin/cds.sh), starts the
 * service from it with the archive actually in use (a mismatched archive is silently ignored by the JVM, so the
 * classes' source is checked), and SIGTERM ends it with exit code 0.
 */
class StartScriptIT {
    static final Path APP = Path.of("target", "app");

    @BeforeAll
    static void onlyAgainstThePackagedJar() {
        ServiceProcess.jar();
    }

    @Test
    void startShPreparesTheLayoutAndTheServiceLoadsItsClassesFromTheArchive(@TempDir Path work) throws Exception {
        FileSystemUtils.deleteRecursively(APP);
        int port = LifecycleIT.freePort();
        Path out = work.resolve("service.log"), classes = work.resolve("classes.log");
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", Path.of("bin", "start.sh").toAbsolutePath().toString(),
                "--server.port=" + port, "--spring.datasource.url=jdbc:h2:file:" + work.resolve("db"),
                "--sync.inbox=" + work.resolve("inbox"), "--sync.outbox=" + work.resolve("outbox")))
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
        Process p = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build();
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!p.isAlive()) return true;
                try {
                    return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(p.isAlive()).as("the service stopped by itself; see " + out).isTrue();
            assertThat(Files.readString(out)).contains("preparing the fast start-up layout", "fast start-up layout ready");
            assertThat(APP.resolve("java.version")).exists();
            assertThat(Files.readString(classes)).as("classes from the archive (the log of -Xlog:class+load)")
                    .containsPattern("com\\.metaaudiencesync\\.MetaAudienceSyncApplication source: shared objects file");
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isZero();
    }
}
