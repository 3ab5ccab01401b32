package com.metaaudiencesync.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

/** A warm-up directory a killed start-up left behind is deleted by a later start; a live one and others stay. */
class JitWarmUpSweepTest {
    @TempDir
    Path tmp;

    @Test
    void deletesOnlyOldWarmUpDirectories() throws Exception {
        long now = System.currentTimeMillis();
        Path old = Files.createDirectories(tmp.resolve(JitWarmUp.PREFIX + "111").resolve("db.spool"));
        Files.writeString(old.resolve("1.bin"), "x");
        Files.setLastModifiedTime(old.getParent(), FileTime.fromMillis(now - 2 * JitWarmUp.STALE_MILLIS));
        Path live = Files.createDirectories(tmp.resolve(JitWarmUp.PREFIX + "222"));
        Path other = Files.createDirectories(tmp.resolve("someone-else"));
        Files.setLastModifiedTime(other, FileTime.fromMillis(now - 2 * JitWarmUp.STALE_MILLIS));
        Path file = Files.writeString(tmp.resolve(JitWarmUp.PREFIX + "file"), "not a directory");
        Files.setLastModifiedTime(file, FileTime.fromMillis(now - 2 * JitWarmUp.STALE_MILLIS));

        JitWarmUp.sweepStale(tmp, now - JitWarmUp.STALE_MILLIS);

        assertThat(old.getParent()).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(other).isDirectory();
        assertThat(file).isRegularFile();
    }

    /** in dry-run, a warm-up batch's request file is deleted once written: only that batch's, by its zero-padded id */
    @Test
    void deletesOneBatchsOutboxFile() throws Exception {
        Path seven = Files.writeString(tmp.resolve("000000000007-add-mas-warm-up"), "{}");
        Path seventy = Files.writeString(tmp.resolve("000000000070-add-mas-warm-up"), "{}");
        JitWarmUp.deleteOutboxFile(tmp, 7);
        assertThat(seven).doesNotExist();
        assertThat(seventy).exists();
    }
}
