package com.metaaudiencesync;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class MetaAudienceSyncApplication {
    public static void main(String[] args) {
        SpringApplication.run(MetaAudienceSyncApplication.class, args);
    }
}
