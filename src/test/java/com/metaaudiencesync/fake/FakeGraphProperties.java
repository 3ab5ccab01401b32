package com.metaaudiencesync.fake;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;

/** The properties most service tests start with: the fake Graph API and its token, inbox and outbox under one directory. */
public final class FakeGraphProperties {
    private FakeGraphProperties() {}

    public static void register(DynamicPropertyRegistry r, FakeGraphApi fake, String token, Path dir) {
        r.add("meta.graph-url", fake::baseUrl);
        r.add("meta.access-token", () -> token);
        r.add("sync.inbox", () -> dir.resolve("inbox").toString());
        r.add("sync.outbox", () -> dir.resolve("outbox").toString());
    }
}
