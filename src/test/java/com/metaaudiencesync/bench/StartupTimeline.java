package com.metaaudiencesync.bench;

import com.metaaudiencesync.MetaAudienceSyncApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline.TimelineEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.metrics.StartupStep;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * Prints where start-up time goes: the service started in-process with Spring's {@link BufferingApplicationStartup},
 * the ten longest steps (bean creations, auto-configuration, context refresh phases). Arguments are the service's.
 * <pre>java -cp target/classes:target/test-classes:$(cat cp.txt) com.metaaudiencesync.bench.StartupTimeline --server.port=0</pre>
 */
public final class StartupTimeline {
    public static void main(String[] args) {
        long t0 = System.nanoTime();
        SpringApplication app = new SpringApplication(MetaAudienceSyncApplication.class);
        BufferingApplicationStartup startup = new BufferingApplicationStartup(20_000);
        app.setApplicationStartup(startup);
        ConfigurableApplicationContext ctx = app.run(args);
        long ready = (System.nanoTime() - t0) / 1_000_000;
        List<TimelineEvent> events = startup.getBufferedTimeline().getEvents();
        // a step's own time: its duration less its children's (a bean's time without the beans it created)
        Map<Long, Long> childNanos = new HashMap<>();
        for (TimelineEvent e : events) {
            Long parent = e.getStartupStep().getParentId();
            if (parent != null) childNanos.merge(parent, e.getDuration().toNanos(), Long::sum);
        }
        System.out.println("run() returned after " + ready + " ms; " + events.size() + " steps; top 10 by own time:");
        events.stream().sorted(Comparator.comparingLong((TimelineEvent e) -> e.getDuration().toNanos() - childNanos.getOrDefault(e.getStartupStep().getId(), 0L)).reversed())
                .limit(10).forEach(e -> System.out.printf("%6d ms own, %6d ms total  %s %s%n",
                        (e.getDuration().toNanos() - childNanos.getOrDefault(e.getStartupStep().getId(), 0L)) / 1_000_000,
                        e.getDuration().toMillis(), e.getStartupStep().getName(), tags(e.getStartupStep())));
        ctx.close();
        System.exit(0);
    }

    private static String tags(StartupStep step) {
        return StreamSupport.stream(step.getTags().spliterator(), false).map(t -> t.getKey() + "=" + t.getValue()).toList().toString();
    }

    private StartupTimeline() {}

}
