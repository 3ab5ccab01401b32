package com.metaaudiencesync.console;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.FakeGraphProperties;
import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;

/** Set-up shared by the browser tests: the service's properties (fake Graph API, inbox, one file poll job). */
final class ConsoleFixtures {
    private ConsoleFixtures() {}

    /** live against the fake Graph API, inbox and outbox under dir, and one poll job reading dir/sourceFile (never due: cron in 2099) */
    static void register(DynamicPropertyRegistry r, FakeGraphApi fake, String token, Path dir,
                         String job, String audience, String mode, String sourceFile) {
        FakeGraphProperties.register(r, fake, token, dir);
        // a list binds from one property source: every element of the job is given here
        r.add("sync.polls[0].name", () -> job);
        r.add("sync.polls[0].cron", () -> "0 0 0 1 1 ? 2099");
        r.add("sync.polls[0].audience", () -> audience);
        r.add("sync.polls[0].mode", () -> mode);
        r.add("sync.polls[0].source.type", () -> "file");
        r.add("sync.polls[0].source.path", () -> dir.resolve(sourceFile).toString());
    }
}
