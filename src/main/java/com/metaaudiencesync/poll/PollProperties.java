package com.metaaudiencesync.poll;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/** sync.poll.*: how the poll jobs (sync.polls) are scheduled. */
@ConfigurationProperties(prefix = "sync.poll")
public class PollProperties {
    /** Quartz JDBC job store clustered across instances sharing one database (PostgreSQL) */
    private boolean clustered = false;
    /** Quartz worker threads (jobs run in parallel up to this; one job never overlaps itself) */
    private int threads = 4;
    /** a fire time missed by more than this (service down) is caught up once at start-up */
    private Duration misfireThreshold = Duration.ofSeconds(60);
    /** how often a clustered instance checks in (a dead instance's runs are taken over after about this) */
    private Duration clusterCheckinInterval = Duration.ofMillis(7500);
    /** Quartz scheduler name: the same on every instance of one cluster */
    private String schedulerName = "meta-audience-sync";

    public boolean isClustered() { return clustered; }
    public void setClustered(boolean v) { clustered = v; }
    public int getThreads() { return threads; }
    public void setThreads(int v) { threads = v; }
    public Duration getMisfireThreshold() { return misfireThreshold; }
    public void setMisfireThreshold(Duration v) { misfireThreshold = v; }
    public Duration getClusterCheckinInterval() { return clusterCheckinInterval; }
    public void setClusterCheckinInterval(Duration v) { clusterCheckinInterval = v; }
    public String getSchedulerName() { return schedulerName; }
    public void setSchedulerName(String v) { schedulerName = v; }
}
