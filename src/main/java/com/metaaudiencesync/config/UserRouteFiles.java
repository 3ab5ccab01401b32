package com.metaaudiencesync.config;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads the user's route files ({@code sync.routes-dir}/*.camel.yaml, default config/routes) at start, beside the
 * service's own routes. A missing directory means no user routes; Camel's own include pattern would fail on it.
 */
public class UserRouteFiles implements RoutesBuilder {
    private static final Logger log = LoggerFactory.getLogger(UserRouteFiles.class);

    private final Path dir;

    public UserRouteFiles(Path dir) { this.dir = dir; }

    @Override
    public void addRoutesToCamelContext(CamelContext context) throws Exception {
        List<Path> files = files();
        if (files.isEmpty()) return;
        List<Resource> resources = files.stream().map(f -> PluginHelper.getResourceLoader(context).resolveResource("file:" + f.toAbsolutePath())).toList();
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
        log.info("Loaded {} user route file(s) from {}", files.size(), dir.toAbsolutePath());
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".camel.yaml") && Files.isRegularFile(p)).sorted().toList();
        }
    }

    @Override
    public void addTemplatedRoutesToCamelContext(CamelContext context) { }

    @Override
    public Set<String> updateRoutesToCamelContext(CamelContext context) { return Set.of(); }
}
