package com.metaaudiencesync.intake;

/** An inbox file that cannot be read at all (unknown format, corrupt gzip, no usable header): it goes to .failed/. */
public class UnreadableFileException extends RuntimeException {
    public UnreadableFileException(String message) { super(message, null, false, false); }
}
