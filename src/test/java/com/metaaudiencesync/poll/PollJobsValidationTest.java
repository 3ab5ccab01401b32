package com.metaaudiencesync.poll;

import com.metaaudiencesync.config.SyncProperties;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PollJobsValidationTest {
    private static SyncProperties.PollJob job(String name, String cron, String type) {
        SyncProperties.PollJob j = new SyncProperties.PollJob();
        j.setName(name);
        j.setCron(cron);
        j.setAudience("aud");
        j.setMode("mirror");
        j.getSource().setType(type);
        j.getSource().setUrl("jdbc:h2:mem:x");
        j.getSource().setQuery("SELECT email FROM t");
        return j;
    }

    @Test
    void oneClearMessagePerProblem() {
        SyncProperties s = new SyncProperties();
        s.setPolls(List.of(job("a", "0 0 * * * ?", "jdbc"), job("a", "0 0 * * * ?", "jdbc"), job("b", "every hour", "jdbc"), job("c", "0 0 * * * ?", "ftp")));
        List<String> p = PollJobs.problems(s);
        assertThat(p).hasSize(3);
        assertThat(p.get(0)).contains("sync.polls[1]").contains("duplicate job name 'a'");
        assertThat(p.get(1)).contains("sync.polls[2]").contains("cron 'every hour' is not a valid Quartz cron expression");
        assertThat(p.get(2)).contains("sync.polls[3]").contains("unknown source type 'ftp'");
    }

    @Test
    void validJobsHaveNoProblems() {
        SyncProperties s = new SyncProperties();
        s.setPolls(List.of(job("a", "0 0/15 * * * ?", "jdbc")));
        assertThat(PollJobs.problems(s)).isEmpty();
    }
}
