package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.quartz.CronTrigger;

import java.util.Date;
import java.util.HashMap;
import java.util.Map;

/**
 * One Quartz route per configured poll job (their number comes from configuration, so they are built here in
 * Java rather than in routes/*.camel.yaml): quartz://polls/NAME with the job's cron, stateful (a job never runs
 * twice at once: DisallowConcurrentExecution, cluster-wide with the clustered JDBC store), misfire "fire once
 * now", the trigger kept in the job store across restarts (deleteJob=false). Each fire calls {@link PollRunner}.
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
        QuartzComponent quartz = getContext().getComponent("quartz", QuartzComponent.class);
        quartz.setScheduler(scheduling.scheduler());
        for (SyncProperties.PollJob job : runner.jobs()) {
            String name = job.getName();
            QuartzEndpoint ep = getContext().getEndpoint("quartz://" + PollScheduling.GROUP + "/" + name
                    + "?stateful=true&deleteJob=false&pauseJob=false&usingFixedCamelContextName=true", QuartzEndpoint.class);
            ep.setCron(job.getCron().trim());
            Map<String, Object> trigger = new HashMap<>();
            trigger.put("misfireInstruction", CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
            ep.setTriggerParameters(trigger);
            from(ep).routeId("poll-" + name).description("poll job " + name + ": " + PollSources.describe(job.getSource()))
                    .process(e -> {
                        Date scheduled = e.getIn().getHeader("scheduledFireTime", Date.class);
                        runner.runScheduled(name, scheduled == null ? null : scheduled.getTime());
                    });
        }
    }
}
