package com.metaaudiencesync.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The file intake route with its stage step intercepted (AdviceWith weaveById("stage").before()): a file's
 * records move through the route in chunks of sync.chunk-size, never one exchange per row.
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(properties = {
        "spring.datasource.url=jdbc:h2:mem:intakeroute;DB_CLOSE_DELAY=-1",
        "spring.main.web-application-type=none",
        "sync.chunk-size=1000",
        "sync.file.poll-delay=100",
        "sync.file.read-lock-check-interval=100",
})
class IntakeRouteTest {
    static Path dir;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        dir = Files.createTempDirectory("intake-route");
        r.add("sync.inbox", () -> dir.resolve("inbox").toString());
        r.add("sync.outbox", () -> dir.resolve("outbox").toString());
    }

    @Autowired CamelContext context;

    @Test
    void aFileMovesThroughTheRouteInChunksNotRows() throws Exception {
        AdviceWith.adviceWith(context, "intake-file", a -> a.weaveById("stage").before().to("mock:chunk"));
        MockEndpoint chunks = context.getEndpoint("mock:chunk", MockEndpoint.class);
        chunks.expectedMessageCount(3);
        context.start();

        StringBuilder csv = new StringBuilder("email\n");
        for (int i = 0; i < 2500; i++) csv.append("person").append(i).append("@example.com\n");
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Files.writeString(dir.resolve("chunks.csv.part"), csv);
        Files.move(dir.resolve("chunks.csv.part"), inbox.resolve("chunks.csv"));

        chunks.assertIsSatisfied(TimeUnit.SECONDS.toMillis(30));
        // the file leaves the inbox once its batches are stored
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(inbox.resolve(".done/chunks.csv.report.json")));
        chunks.assertIsSatisfied();
        List<String> bodies = chunks.getReceivedExchanges().stream().map(e -> e.getMessage().getBody().getClass().getSimpleName()).toList();
        assertThat(bodies).as("one normalized chunk per exchange").containsOnly("Work");
    }
}
