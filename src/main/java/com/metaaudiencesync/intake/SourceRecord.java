package com.metaaudiencesync.intake;

/**
 * One record of a source as read: field names and values (a value is a String, a List of Strings, or null),
 * its line number for reports, or a per-record problem ({@code error} non-null: the record is rejected alone).
 * A CSV record may carry its cells as bytes instead ({@code raw}, see {@link RawCells}); {@link #values()} then
 * makes the Strings.
 */
public record SourceRecord(long line, String[] names, Object[] values, String error, RawCells raw) {
    public SourceRecord(long line, String[] names, Object[] values, String error) { this(line, names, values, error, null); }

    public static SourceRecord bad(long line, String error) { return new SourceRecord(line, null, null, error, null); }

    public static SourceRecord ofCells(long line, String[] names, RawCells cells) { return new SourceRecord(line, names, null, null, cells); }

    @Override public Object[] values() { return values == null && raw != null ? raw.toArray() : values; }
}
