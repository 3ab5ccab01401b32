package com.metaaudiencesync.intake;

import java.io.Closeable;
import java.io.IOException;

/**
 * Streams the records of one source (file, HTTP body, ...). {@link #next()} returns null at the end and throws
 * {@link IOException} when the rest of the source cannot be read (truncated gzip, broken quoting): the records
 * read before still count.
 */
public interface RecordReader extends Closeable {
    SourceRecord next() throws IOException;

    /** the line the reader is at, for error reports */
    long line();
}
