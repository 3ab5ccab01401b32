package com.metaaudiencesync.intake;

import com.metaaudiencesync.model.Action;

import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipException;

/** The state of reading one inbox file: its claim key, reader, counters, staged batches. */
public final class IntakeRun {
    public final File file;
    public final String key;
    public final String audienceName;
    public final Action action;
    public final long startedNanos = System.nanoTime();
    public final IntakeCounts counts = new IntakeCounts();
    public RecordReader reader;
    /** the file could not be read at all: it goes to .failed */
    public String unreadable;
    /** reading stopped part-way (rows before it still go) */
    public String fatal;
    public long fatalLine;
    public BatchStager stager;
    public int seq;
    public int alreadyCommitted;
    public boolean skippedAsDone;
    /** reading stopped at a chunk boundary because the service is shutting down: resumed at the next start */
    public volatile boolean interrupted;
    public long lastProgressLog = System.nanoTime();
    /** time the reading waited for Meta to acknowledge batches (sync.file.max-queued-batches backpressure) */
    public long backpressureNanos;
    /** batches of this file this instance has seen settled while reading it (FileIntake's count; null when not read) */
    public AtomicLong settledHere;
    /** bytes of the file read so far (compressed bytes for .gz), for the progress line's ETA */
    public volatile long bytesRead;
    public final List<String> replaceGroups = new ArrayList<>();
    /** why replace groups of this file were held by the mass-removal guard (in its report) */
    final List<String> heldReplaces = new ArrayList<>();
    /** one per run: caches the header lookups */
    public final MemberMapper mapper;
    /** a CSV's header, looked up by every mapper of this run before the first record (MemberMapper.prepare) */
    private String[] header;

    void prepare(String[] header) {
        this.header = header;
        mapper.prepare(header);
        for (MemberMapper m : helperMappers) m.prepare(header);
    }
    /** chunks handed to the normalize threads, not yet staged, oldest first (route thread only) */
    final ArrayDeque<FileIntake.Work> inFlight = new ArrayDeque<>();
    /** the group of the last staged row (route thread only); NONE before the first one */
    BatchStager.Group lastGroup = BatchStager.Group.NONE;
    /** the group instance of the last staged record as a normalize thread made it (one per block) */
    BatchStager.Group lastRawGroup = BatchStager.Group.NONE;
    /** one per helper thread that normalizes slices of chunks (a mapper is not thread-safe) */
    private final List<MemberMapper> helperMappers = new ArrayList<>();

    MemberMapper helperMapper(int i) {
        while (helperMappers.size() <= i) {
            MemberMapper m = new MemberMapper(audienceName, null, action);
            if (header != null) m.prepare(header);
            helperMappers.add(m);
        }
        return helperMappers.get(i);
    }

    public IntakeRun(File file) {
        this.file = file;
        this.key = keyOf(file);
        String name = file.getName();
        int dot = name.indexOf('.');
        this.audienceName = dot > 0 ? name.substring(0, dot) : name;
        this.action = actionOf(name);
        this.mapper = new MemberMapper(audienceName, null, action);
    }

    /** name + size + modification time: the same drop is the same intake, a new drop of the same name is new */
    public static String keyOf(File f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f.toPath(), BasicFileAttributes.class);
            return f.getName() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return f.getName() + "|?";
        }
    }

    /** NAME.csv adds, NAME.remove.csv removes, NAME.replace.csv replaces, NAME.forget.csv removes from every audience */
    static Action actionOf(String name) {
        String[] parts = name.toLowerCase(Locale.ROOT).split("\\.");
        for (int i = 1; i < parts.length; i++) {
            switch (parts[i]) {
                case "remove", "delete": return Action.REMOVE;
                case "replace": return Action.REPLACE;
                case "forget", "remove-all", "remove_all": return Action.REMOVE_ALL;
                case "add": return Action.ADD;
                default: break;
            }
        }
        return Action.ADD;
    }

    /** Chunks of records; a read error ends the iteration and is recorded as {@link #fatal}. */
    public Iterator<List<SourceRecord>> chunks(int chunkSize) {
        return new Iterator<>() {
            List<SourceRecord> next;
            boolean done = reader == null;

            @Override public boolean hasNext() {
                if (next != null) return true;
                if (done) return false;
                List<SourceRecord> l = new ArrayList<>(chunkSize);
                try {
                    SourceRecord r;
                    while (l.size() < chunkSize && (r = reader.next()) != null) l.add(r);
                    if (l.size() < chunkSize) done = true;
                } catch (IOException | UncheckedIOException e) {
                    fatal = message(e);
                    fatalLine = reader.line();
                    done = true;
                } catch (RuntimeException e) {
                    fatal = "could not be read: " + e.getClass().getSimpleName();
                    fatalLine = reader.line();
                    done = true;
                }
                if (done) {
                    try { reader.close(); } catch (IOException ignored) { /* closing a reader that failed */ }
                }
                next = l.isEmpty() ? null : l;
                return next != null;
            }

            @Override public List<SourceRecord> next() {
                if (!hasNext()) throw new NoSuchElementException();
                List<SourceRecord> l = next;
                next = null;
                return l;
            }
        };
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof EOFException || (m != null && m.contains("Unexpected end of ZLIB"))) return "truncated gzip file (unexpected end of data)";
        if (e instanceof ZipException) return "corrupt gzip data: " + m;
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
