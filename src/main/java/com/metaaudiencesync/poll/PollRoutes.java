package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.quartz.QuartzComponent;

/**
 * One route per configured poll job, made from the route template poll-job (routes/poll.camel.yaml): the jobs
 * come from configuration (sync.polls), so they are instantiated here. Quartz uses the service's JDBC job store.
 */
public class PollRoutes extends RouteBuilder {
    private final PollRunner runner;
    private final PollScheduling scheduling;

    public PollRoutes(PollRunner runner, PollScheduling scheduling) {
        this.runner = runner;
        this.scheduling = scheduling;
    }

    @Override
    public void configure() throws Exception {
        if (runner.jobs().isEmpty()) return;
        getContext().getComponent("quartz", QuartzComponent.class).setScheduler(scheduling.scheduler());
        for (SyncProperties.PollJob job : runner.jobs()) {
            templatedRoute("poll-job")
                    .routeId("poll-" + job.getName())
                    .parameter("name", job.getName())
                    // Quartz's cron in an endpoint URI: + for each space
                    .parameter("cron", job.getCron().trim().replaceAll("\\s+", "+"));
        }
    }
}
