package com.metaaudiencesync;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;

@SpringBootApplication
@ConfigurationPropertiesScan
public class MetaAudienceSyncApplication {
    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(MetaAudienceSyncApplication.class, args);
        // SIGTERM is the normal way to stop (Kubernetes, systemd): drain, close and exit 0 rather than the JVM's 143
        Signal.handle(new Signal("TERM"), signal -> System.exit(SpringApplication.exit(context)));
    }
}
