package com.metaaudiencesync.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An embedded H2 file database is not closed by H2's own shutdown hook before the service has stopped. */
class H2UrlTest {
    @Test
    void embeddedFileUrlsGetDbCloseOnExitOffAndOthersAreLeftAlone() {
        assertThat(CoreBeans.h2Url("jdbc:h2:file:/tmp/x/db")).isEqualTo("jdbc:h2:file:/tmp/x/db;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(CoreBeans.h2Url("jdbc:h2:./data/db;WRITE_DELAY=0")).isEqualTo("jdbc:h2:./data/db;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        // what the user says wins
        assertThat(CoreBeans.h2Url("jdbc:h2:file:/x;db_close_on_exit=true")).isEqualTo("jdbc:h2:file:/x;db_close_on_exit=true");
        assertThat(CoreBeans.h2Url("jdbc:h2:file:/x;DB_CLOSE_ON_EXIT=FALSE")).isEqualTo("jdbc:h2:file:/x;DB_CLOSE_ON_EXIT=FALSE");
        // not an embedded file database
        for (String u : new String[]{"jdbc:h2:mem:t;DB_CLOSE_DELAY=-1", "jdbc:h2:tcp://h/~/db", "jdbc:h2:ssl://h/db", "jdbc:postgresql://h/db"}) {
            assertThat(CoreBeans.h2Url(u)).isEqualTo(u);
        }
    }
}
