package com.metaaudiencesync.fuzz;

import com.metaaudiencesync.normalize.RowBuilder;
import com.metaaudiencesync.webhook.WebhookItem;
import com.metaaudiencesync.webhook.WebhookParser;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random mutations of real webhook bodies through both parsers: each body either parses into items
 * (each accepted, ignored or rejected with a reason) or is unreadable as a whole (→ 400). Any other exception
 * would be a 500: the test fails naming the seed, iteration and bytes that reproduce it.
 */
class WebhookParserFuzzTest {
    static final long[] SEEDS = {1, 7, 42, 20261207, 0xC0FFEE};
    static final int ITERATIONS = 2000;

    final WebhookParser parser = new WebhookParser(new RowBuilder("US"));

    @Test
    void mutatedBodiesParseOrAreUnreadableNeverCrash() {
        int unreadable = 0, parsed = 0;
        for (long seed : SEEDS) {
            Mutator m = new Mutator(seed);
            List<byte[]> samples = Samples.webhookBodies();
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] body = m.mutate(samples.get(i % samples.size()));
                for (String pathType : new String[]{"members", null, "identify", "track"}) {
                    try {
                        List<WebhookItem> items = "members".equals(pathType) ? parser.members(body) : parser.segment(body, pathType);
                        assertThat(items).isNotEmpty();
                        parsed++;
                    } catch (WebhookParser.UnreadableBodyException e) {
                        assertThat(e.getMessage()).isNotBlank();
                        unreadable++;
                    } catch (RuntimeException | StackOverflowError e) {
                        fail(e + " for " + Mutator.describe(seed, i, body), e);
                    }
                }
            }
        }
        // the mutations reach both outcomes (a mutator that only broke bodies would test little)
        assertThat(parsed).isGreaterThan(1000);
        assertThat(unreadable).isGreaterThan(1000);
    }
}
