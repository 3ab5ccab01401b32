package com.metaaudiencesync.store;

import org.h2.jdbcx.JdbcDataSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers for other packages: an H2 file database with the service's schema, and stored-form rows. */
public final class StoreTestRows {
    private StoreTestRows() {}

    public static JdbcDataSource h2(Path file) throws Exception { return PendingAndBatchStoreH2Test.withSchema(file); }

    /** {@code n} rows in stored form (one hashed email each) */
    public static List<String[]> rows(int n) {
        List<String[]> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) l.add(PendingAndBatchStoreH2Test.row(i));
        return l;
    }
}
