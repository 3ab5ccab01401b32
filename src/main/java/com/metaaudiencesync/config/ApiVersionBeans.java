package com.metaaudiencesync.config;

import com.metaaudiencesync.meta.ApiVersions;
import com.metaaudiencesync.meta.GraphClient;
import com.metaaudiencesync.ops.ApiVersionHealth;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The Graph API version's life (meta-api.md §9): start-up warning, Meta's run-time notices, health component. */
@Configuration
public class ApiVersionBeans {
    /** @param clock a Clock bean when one is defined (tests pin the day), else the system clock */
    @Bean
    public ApiVersions apiVersions(MetaProperties meta, GraphClient graph, ObjectProvider<Clock> clock) {
        ApiVersions versions = new ApiVersions(meta.getApiVersion(), clock.getIfAvailable(Clock::systemUTC));
        graph.setResponseObserver(versions::observe);
        versions.logStartup();
        return versions;
    }

    @Bean
    public HealthIndicator metaApiVersionHealthIndicator(ApiVersions versions) { return ApiVersionHealth.of(versions); }
}
