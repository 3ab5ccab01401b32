package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import com.metaaudiencesync.guard.KnownMembers;
import com.metaaudiencesync.guard.RemovalGuard;
import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.ops.SyncMetrics;
import com.metaaudiencesync.send.BatchSender;
import com.metaaudiencesync.store.BatchStore;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.util.LinkedHashSet;
import java.util.Set;

/** Wires the scheduled polling (sync.polls). */
@Configuration
public class PollBeans {

    @Bean
    public PollStore pollStore(JdbcTemplate jdbc, TransactionTemplate tx, @Qualifier("instanceId") String instanceId, SyncProperties sync) {
        return new PollStore(jdbc, tx, instanceId, sync.getLeaseTime().toMillis());
    }

    @Bean
    public PollSources pollSources(SyncProperties sync) {
        return new PollSources(sync.getSend().getConnectTimeout(), sync.getSend().getRequestTimeout());
    }

    @Bean(destroyMethod = "shutdown")
    public PollRunner pollRunner(SyncProperties sync, PollStore store, PollSources sources, RowBuilder rows, BatchStore batches, SyncMetrics metrics,
                                 BatchSender sender, RemovalGuard guard, KnownMembers known) {
        sender.addListener(new PollDeliveryListener(store));
        return new PollRunner(sync, store, sources, rows, batches, metrics, guard, known);
    }

    @Bean(destroyMethod = "close")
    public PollScheduling pollScheduling(DataSource dataSource, PollProperties props, SyncProperties sync) {
        Set<String> names = new LinkedHashSet<>();
        for (SyncProperties.PollJob j : sync.getPolls()) names.add(j.getName());
        return new PollScheduling(dataSource, props, names);
    }

    @Bean
    public PollRoutes pollRoutes(PollRunner runner, PollScheduling scheduling) {
        return new PollRoutes(runner, scheduling);
    }
}
