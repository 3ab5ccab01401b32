package com.metaaudiencesync.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Batch payloads as files next to an embedded (H2 file) database, one file per batch; the batch row keeps the
 * file's name ({@code payload_ref}). In H2 a multi-megabyte payload goes through its LOB B-trees, the database
 * file and later compaction; a file is one write, one read and one delete.
 *
 * <p>Crash safety: the file is written completely before the row that names it is committed, and deleted only
 * after the row's delete is committed. A crash between the two leaves an unreferenced file, never a row without
 * its file; {@link #sweep} removes unreferenced files once they are older than a grace period (so a file whose
 * row is about to be committed is never taken). Durability is the database's own: H2 does not force its file to
 * the disk at each commit, and neither does this (both survive a kill -9 of the process; see README).
 *
 * <p>Not for PostgreSQL: there the payload stays in the database, which every instance shares.
 */
public final class PayloadSpool {
    private static final String SUFFIX = ".batch";
    private static final Pattern REF = Pattern.compile("[0-9a-f]{32}");

    private final Path dir;

    public PayloadSpool(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir.toAbsolutePath().normalize());
    }

    public Path dir() { return dir; }

    /** Writes a new file with the payload's bytes; returns its reference (32 hex digits). */
    public String write(Payload p) throws IOException {
        String ref = UUID.randomUUID().toString().replace("-", "");
        Path f = file(ref);
        ByteBuffer[] bufs = new ByteBuffer[p.blockCount()];
        for (int i = 0; i < bufs.length; i++) bufs[i] = ByteBuffer.wrap(p.block(i), 0, p.blockLength(i));
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = p.length();
            while (left > 0) left -= ch.write(bufs);
            ok = true;
        } finally {
            if (!ok) Files.deleteIfExists(f);
        }
        return ref;
    }

    /**
     * The payload of {@code ref}, read into blocks.
     *
     * @throws NoSuchFileException when the file is gone (deleted by hand)
     */
    public Payload read(String ref) throws IOException {
        try (FileChannel ch = FileChannel.open(file(ref), StandardOpenOption.READ); InputStream in = Channels.newInputStream(ch)) {
            return Payload.read(in, ch.size());
        }
    }

    public boolean exists(String ref) { return Files.exists(file(ref)); }

    public void delete(String ref) throws IOException { Files.deleteIfExists(file(ref)); }

    /**
     * Deletes the files no row refers to that were last written more than {@code graceMillis} ago (leftovers of a
     * crash between a file's write and its row's commit, or between a row's delete and its file's). Returns how
     * many were deleted.
     */
    public int sweep(Set<String> referenced, long graceMillis) throws IOException {
        long before = System.currentTimeMillis() - graceMillis;
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String ref = name.substring(0, name.length() - SUFFIX.length());
                if (!REF.matcher(ref).matches() || referenced.contains(ref)) continue;
                try {
                    if (Files.getLastModifiedTime(f).toMillis() < before && Files.deleteIfExists(f)) n++;
                } catch (NoSuchFileException e) {
                    // deleted meanwhile
                }
            }
        }
        return n;
    }

    private Path file(String ref) {
        if (ref == null || !REF.matcher(ref).matches()) throw new IllegalArgumentException("not a payload reference: " + ref);
        return dir.resolve(ref + SUFFIX);
    }
}
