package com.metaaudiencesync.config;

import com.metaaudiencesync.poll.PollJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the configuration before anything starts: one clear message per problem, and the service refuses
 * to start (non-zero exit) when it cannot run. The token is never part of a message.
 */
public final class StartupValidator {
    private static final Logger log = LoggerFactory.getLogger(StartupValidator.class);
    private static final Pattern ACCOUNT = Pattern.compile("^(act_)?[0-9]{1,20}$");
    private static final Pattern VERSION = Pattern.compile("^v[0-9]{1,3}\\.[0-9]{1,2}$");
    private static final Set<String> FILE_SOURCES = Set.of("USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED");

    /** Thrown with every problem found; reported by {@link InvalidConfigurationFailureAnalyzer}. */
    public static class InvalidConfigurationException extends RuntimeException {
        private final List<String> problems;
        public InvalidConfigurationException(List<String> problems) {
            super("Invalid configuration:\n - " + String.join("\n - ", problems));
            this.problems = problems;
        }
        public List<String> problems() { return problems; }
    }

    private StartupValidator() {}

    public static List<String> problems(MetaProperties meta, SyncProperties sync) {
        List<String> p = new ArrayList<>();
        if (meta.getAdAccountId() != null && !meta.getAdAccountId().isBlank() && !ACCOUNT.matcher(meta.getAdAccountId().trim()).matches()) {
            p.add("meta.ad-account-id '" + meta.getAdAccountId() + "' is malformed: use the ad account's digits, with or without act_ (e.g. act_1234567890)");
        }
        if (meta.hasToken() && !sync.isDryRun() && (meta.getAdAccountId() == null || meta.getAdAccountId().isBlank())) {
            p.add("meta.ad-account-id is required when meta.access-token is set (audiences are looked up and created in that ad account); set META_AD_ACCOUNT_ID");
        }
        if (meta.getApiVersion() == null || !VERSION.matcher(meta.getApiVersion()).matches()) {
            p.add("meta.api-version '" + meta.getApiVersion() + "' must look like vNN.N (e.g. v25.0)");
        }
        if (meta.getGraphUrl() == null || !(meta.getGraphUrl().startsWith("https://") || meta.getGraphUrl().startsWith("http://"))) {
            p.add("meta.graph-url '" + meta.getGraphUrl() + "' must be an http(s) URL");
        }
        if (meta.getCustomerFileSource() == null || !FILE_SOURCES.contains(meta.getCustomerFileSource())) {
            p.add("meta.customer-file-source '" + meta.getCustomerFileSource() + "' must be one of " + FILE_SOURCES);
        }
        if (sync.getBatchSize() < 1 || sync.getBatchSize() > 10000) {
            p.add("sync.batch-size " + sync.getBatchSize() + " is outside 1..10000 (Meta accepts at most 10 000 rows per request)");
        }
        if (sync.getBatchTimeout() == null || sync.getBatchTimeout().isNegative() || sync.getBatchTimeout().isZero()) {
            p.add("sync.batch-timeout must be a positive duration (e.g. 5s)");
        }
        if (sync.getRetry().getMaxAttempts() < 1) p.add("sync.retry.max-attempts must be at least 1");
        if (sync.getRetry().getInitialDelay().isNegative() || sync.getRetry().getMaxDelay().compareTo(sync.getRetry().getInitialDelay()) < 0) {
            p.add("sync.retry.max-delay must be at least sync.retry.initial-delay");
        }
        if (!"auto".equals(sync.getPayloadStore()) && !"database".equals(sync.getPayloadStore())) {
            p.add("sync.payload-store '" + sync.getPayloadStore() + "' is neither auto (files next to an H2 file database) nor database");
        }
        if (sync.getSend().getConcurrency() < 1) p.add("sync.send.concurrency must be at least 1");
        if (sync.getSend().getMaxRequestsPerSecond() <= 0) p.add("sync.send.max-requests-per-second must be positive");
        if (sync.getDefaultCountry() != null && !sync.getDefaultCountry().isBlank()) {
            String c = sync.getDefaultCountry().trim().toUpperCase(Locale.ROOT);
            if (!Set.of(Locale.getISOCountries()).contains(c)) {
                p.add("sync.default-country '" + sync.getDefaultCountry() + "' is not an ISO 3166 alpha-2 code (e.g. US, GB, DE)");
            }
        }
        for (String dir : new String[]{sync.getInbox(), sync.getOutbox()}) {
            String which = dir == sync.getInbox() ? "sync.inbox" : "sync.outbox";
            try {
                Path d = Path.of(dir);
                Files.createDirectories(d);
                if (!Files.isWritable(d)) p.add(which + " '" + d.toAbsolutePath() + "' is not writable");
            } catch (Exception e) {
                p.add(which + " '" + dir + "' cannot be created: " + e.getMessage());
            }
        }
        if (sync.getGuard().getMaxRemovalPercent() < 0 || sync.getGuard().getMaxRemovalPercent() > 100) {
            p.add("sync.guard.max-removal-percent must be between 0 and 100 (100 turns the removal check off)");
        }
        if (sync.getGuard().getMinSourcePercent() < 0 || sync.getGuard().getMinSourcePercent() > 100) {
            p.add("sync.guard.min-source-percent must be between 0 and 100 (0 turns the source-size check off)");
        }
        p.addAll(PollJobs.problems(sync));
        return p;
    }

    public static void validate(MetaProperties meta, SyncProperties sync) {
        List<String> p = problems(meta, sync);
        if (!p.isEmpty()) {
            for (String s : p) log.error("Configuration problem: {}", s);
            throw new InvalidConfigurationException(p);
        }
    }
}
