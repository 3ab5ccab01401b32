package com.metaaudiencesync.ops;

import com.metaaudiencesync.config.MetaProperties;
import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.config.StartupValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each configuration problem gets its own clear message; a valid configuration gets none. */
class StartupValidatorTest {
    @TempDir Path dir;

    SyncProperties sync() {
        SyncProperties s = new SyncProperties();
        s.setInbox(dir.resolve("inbox").toString());
        s.setOutbox(dir.resolve("outbox").toString());
        return s;
    }

    @Test
    void aValidConfigurationHasNoProblems() {
        MetaProperties m = new MetaProperties();
        m.setAccessToken("t");
        m.setAdAccountId("act_123");
        assertThat(StartupValidator.problems(m, sync())).isEmpty();
        m.setAdAccountId("123");
        assertThat(StartupValidator.problems(m, sync())).isEmpty();
    }

    @Test
    void eachProblemHasItsOwnMessage() {
        MetaProperties m = new MetaProperties();
        m.setAdAccountId("act_12x");
        m.setApiVersion("25");
        m.setCustomerFileSource("SOMETHING");
        SyncProperties s = sync();
        s.setBatchSize(20000);
        s.setDefaultCountry("XX");
        List<String> p = StartupValidator.problems(m, s);
        assertThat(p).anyMatch(x -> x.startsWith("meta.ad-account-id 'act_12x' is malformed"));
        assertThat(p).anyMatch(x -> x.startsWith("meta.api-version '25' must look like vNN.N"));
        assertThat(p).anyMatch(x -> x.startsWith("meta.customer-file-source"));
        assertThat(p).anyMatch(x -> x.startsWith("sync.batch-size 20000 is outside 1..10000"));
        assertThat(p).anyMatch(x -> x.startsWith("sync.default-country 'XX'"));
        assertThat(p).hasSize(5);
        s.setBatchSize(0);
        assertThat(StartupValidator.problems(m, s)).anyMatch(x -> x.startsWith("sync.batch-size 0 is outside"));
    }

    @Test
    void aTokenNeedsAnAdAccount() {
        MetaProperties m = new MetaProperties();
        m.setAccessToken("secret-token-value");
        List<String> p = StartupValidator.problems(m, sync());
        assertThat(p).singleElement().satisfies(x -> assertThat(x).contains("meta.ad-account-id is required"));
        assertThat(String.join(" ", p)).doesNotContain("secret-token-value");
    }

    @Test
    void anInboxThatCannotBeWrittenIsReported() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        SyncProperties s = sync();
        s.setInbox(ro.resolve("inbox").toString());
        MetaProperties m = new MetaProperties();
        boolean root = "root".equals(System.getProperty("user.name"));
        // root ignores permissions: use a path under a regular file instead, which no one can create
        if (root) {
            Path file = dir.resolve("plainfile");
            Files.writeString(file, "x");
            s.setInbox(file.resolve("inbox").toString());
        }
        assertThat(StartupValidator.problems(m, s)).anyMatch(x -> x.startsWith("sync.inbox"));
    }

    @Test
    void validateThrowsWithEveryProblem() {
        MetaProperties m = new MetaProperties();
        m.setApiVersion("latest");
        SyncProperties s = sync();
        s.setBatchSize(-1);
        assertThatThrownBy(() -> StartupValidator.validate(m, s))
                .isInstanceOf(StartupValidator.InvalidConfigurationException.class)
                .hasMessageContaining("meta.api-version 'latest'")
                .hasMessageContaining("sync.batch-size -1");
    }
}
