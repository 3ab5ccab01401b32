package com.metaaudiencesync.reliability;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged service (target/meta-audience-sync.jar) as a separate OS process, for kill -9 and SIGTERM tests. */
final class ServiceProcess {
    static Path jar() {
        String p = System.getProperty("mas.jar", "target/meta-audience-sync.jar");
        File f = new File(p);
        if (!f.isFile()) throw new IllegalStateException("packaged jar not found at " + f.getAbsolutePath() + " (run mvn verify / package first)");
        return f.toPath();
    }

    private final Process process;

    private ServiceProcess(Process p) { this.process = p; }

    /** Starts the jar with {@code props} as --key=value, the token in META_ACCESS_TOKEN, output appended to {@code out}. */
    static ServiceProcess start(Map<String, String> props, String token, Path out) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(jar().toString());
        props.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().put("META_ACCESS_TOKEN", token);
        return new ServiceProcess(pb.start());
    }

    boolean alive() { return process.isAlive(); }

    /** SIGKILL: no shutdown hook, no flush, nothing. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits up to {@code maxSeconds}; returns the milliseconds it took to exit, or -1 if it did not. */
    long sigterm(int maxSeconds) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        boolean exited = process.waitFor(maxSeconds, TimeUnit.SECONDS);
        return exited ? (System.nanoTime() - t0) / 1_000_000 : -1;
    }

    /** SIGTERM without waiting. */
    void terminate() { process.destroy(); }

    /** Waits up to {@code maxSeconds} for the process to exit; true when it did. */
    boolean awaitExit(int maxSeconds) throws InterruptedException { return process.waitFor(maxSeconds, TimeUnit.SECONDS); }

    int exitValue() { return process.exitValue(); }

    long pid() { return process.pid(); }
}
