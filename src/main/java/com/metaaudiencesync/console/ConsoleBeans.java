package com.metaaudiencesync.console;

import com.metaaudiencesync.send.BatchSender;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The console's delivery history, told of every batch the sender sees acknowledged. */
@Configuration
public class ConsoleBeans {
    @Bean
    public DeliveryLog deliveryLog(JdbcTemplate jdbc, BatchSender sender) {
        DeliveryLog d = new DeliveryLog(jdbc);
        sender.addListener(d);
        return d;
    }
}
