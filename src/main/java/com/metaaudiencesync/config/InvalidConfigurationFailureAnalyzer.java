package com.metaaudiencesync.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints configuration problems as Spring Boot's "APPLICATION FAILED TO START" report, one line each. */
public class InvalidConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<StartupValidator.InvalidConfigurationException> {
    @Override
    protected FailureAnalysis analyze(Throwable root, StartupValidator.InvalidConfigurationException cause) {
        return new FailureAnalysis("meta-audience-sync cannot start:\n - " + String.join("\n - ", cause.problems()),
                "Fix the settings above (config/application.yaml, --name=value or environment variables) and start again.", cause);
    }
}
