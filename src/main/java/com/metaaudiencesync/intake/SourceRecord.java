package com.metaaudiencesync.intake;

/**
 * One record of a source as read: field names and values (a value is a String, a List of Strings, or null),
 * its line number for reports, or a per-record problem ({@code error} non-null: the record is rejected alone).
 */
public record SourceRecord(long line, String[] names, Object[] values, String error) {
    public static SourceRecord bad(long line, String error) { return new SourceRecord(line, null, null, error); }
}
