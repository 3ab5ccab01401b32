package com.metaaudiencesync.ops;

import com.metaaudiencesync.meta.ApiVersions;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Health component {@code metaApiVersion}: the configured version, its published expiry and what Meta said
 * about it. DOWN once the version is retired or Meta refused a call for it (#2635): sending fails until
 * meta.api-version is raised. A version expiring within 90 days, or a call Meta moved up, is UP with a warning.
 */
public final class ApiVersionHealth {
    private ApiVersionHealth() {}

    public static HealthIndicator of(ApiVersions versions) {
        return () -> {
            ApiVersions.Status s = versions.status();
            ApiVersions.Notice n = versions.lastNotice();
            boolean down = s.level() == ApiVersions.Level.EXPIRED || (n != null && n.refused());
            Health.Builder b = down ? Health.down() : Health.up();
            b.withDetail("apiVersion", s.version()).withDetail("expires", s.expires());
            if (s.daysLeft() != null) b.withDetail("daysLeft", s.daysLeft());
            if (s.level() == ApiVersions.Level.EXPIRING || s.level() == ApiVersions.Level.EXPIRED) b.withDetail("warning", s.message());
            else b.withDetail("status", s.message());
            if (n != null) b.withDetail("metaSays", n.message()).withDetail("metaSaidAt", n.at().toString());
            return b.build();
        };
    }
}
