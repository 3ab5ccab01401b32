package com.metaaudiencesync.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows ready for Meta: each row is {@link MetaKey#COUNT} cells in {@link MetaKey#SCHEMA} order, each cell the
 * final wire value: lowercase 64-hex SHA-256 for hashed keys, the normalized raw value for MADID/EXTERN_ID,
 * or "" when unknown. No raw PII is ever in a RowSet.
 */
public final class RowSet {
    private final List<String[]> rows;

    public RowSet() { this.rows = new ArrayList<>(); }
    public RowSet(int capacity) { this.rows = new ArrayList<>(capacity); }

    public void add(String[] row) {
        if (row.length != MetaKey.COUNT) throw new IllegalArgumentException("row must have " + MetaKey.COUNT + " cells");
        rows.add(row);
    }
    public List<String[]> rows() { return rows; }
    public int size() { return rows.size(); }
    public boolean isEmpty() { return rows.isEmpty(); }
}
