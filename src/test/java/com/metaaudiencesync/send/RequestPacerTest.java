package com.metaaudiencesync.send;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pacer's ceiling holds in every window, also right after an idle time (no burst credit). */
class RequestPacerTest {

    @Test
    void afterAnIdleTimeTheNextTwoStartsAreStillOneIntervalApart() throws Exception {
        RequestPacer p = new RequestPacer(20); // 50 ms apart
        p.acquire();
        Thread.sleep(75); // idle for 1.5 intervals: the slot it missed is not credited
        long a = System.nanoTime();
        p.acquire();
        p.acquire();
        long b = System.nanoTime();
        assertThat((b - a) / 1_000_000).as("the second start after the idle time waited one interval").isGreaterThanOrEqualTo(45);
    }

    @Test
    void noWindowOfOneSecondHoldsMoreStartsThanTheCeiling() throws Exception {
        RequestPacer p = new RequestPacer(40);
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    p.acquire();
                    starts.add(System.nanoTime());
                    if (i % 7 == 6) {
                        try { Thread.sleep(120); } catch (InterruptedException e) { return; } // idle gaps
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) th.join();
        List<Long> s = new ArrayList<>(starts);
        Collections.sort(s);
        assertThat(s).hasSize(60);
        for (int i = 0; i < s.size(); i++) {
            long from = s.get(i);
            long n = s.stream().filter(x -> x >= from && x < from + 1_000_000_000L).count();
            // 40 slots per second; +1 for a thread that woke late from its wait and recorded its start late
            assertThat(n).as("starts in the second from start %d", i).isLessThanOrEqualTo(41);
        }
    }
}
