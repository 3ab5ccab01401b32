package com.metaaudiencesync.fake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files handed to the service's inbox the way a producer should: written aside, then moved in one step. */
public final class InboxFiles {
    private InboxFiles() {}

    /** writes dir/name.part and moves it to dir/inbox/name atomically, so the file route never reads it half-written */
    public static void drop(Path dir, String name, String content) throws IOException {
        Files.createDirectories(dir.resolve("inbox"));
        Path tmp = dir.resolve(name + ".part");
        Files.writeString(tmp, content);
        Files.move(tmp, dir.resolve("inbox").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }
}
