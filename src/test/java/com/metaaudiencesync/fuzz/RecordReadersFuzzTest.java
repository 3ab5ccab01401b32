package com.metaaudiencesync.fuzz;

import com.metaaudiencesync.intake.MemberMapper;
import com.metaaudiencesync.intake.RecordReader;
import com.metaaudiencesync.intake.RecordReaders;
import com.metaaudiencesync.intake.SourceRecord;
import com.metaaudiencesync.model.Action;
import com.metaaudiencesync.model.AudienceValidation;
import com.metaaudiencesync.model.RawMember;
import com.metaaudiencesync.normalize.RowBuilder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random mutations of real CSV, NDJSON and JSON files (plain and gzipped, and gzip bytes mutated) through
 * the file readers and on through mapping, audience validation and normalization: a file is read record by record
 * (bad records carry a reason) or stops with an IOException (the file goes to .failed with its reason). Any other
 * exception would escape the intake: the test fails naming the seed, iteration and bytes.
 */
class RecordReadersFuzzTest {
    static final long[] SEEDS = {3, 11, 99, 20261207};
    static final int ITERATIONS = 1500;

    final RowBuilder rows = new RowBuilder("US");

    @Test
    void mutatedFilesAreReadOrRefusedNeverCrash() throws IOException {
        Object[][] formats = {{"list.csv", Samples.CSV}, {"list.ndjson", Samples.NDJSON}, {"list.json", Samples.JSON}};
        long records = 0, refused = 0;
        for (long seed : SEEDS) {
            Mutator m = new Mutator(seed);
            for (int i = 0; i < ITERATIONS; i++) {
                Object[] f = formats[i % formats.length];
                String name = (String) f[0];
                byte[] content = m.mutate(Samples.bytes((String) f[1]));
                int variant = i % 5;
                if (variant == 3) {
                    content = gzip(content);
                    name += ".gz";
                } else if (variant == 4) {
                    content = m.mutate(gzip(Samples.bytes((String) f[1])));
                    name += ".gz";
                }
                try {
                    records += readAll(content, name);
                } catch (IOException e) {
                    refused++;
                } catch (RuntimeException | StackOverflowError e) {
                    fail(e + " reading " + name + " for " + Mutator.describe(seed, i, content), e);
                }
            }
        }
        assertThat(records).isGreaterThan(1000);
        assertThat(refused).isGreaterThan(100);
    }

    /** reads every record and takes it as far as the intake does before staging; returns the records read */
    private long readAll(byte[] content, String name) throws IOException {
        long n = 0;
        MemberMapper mapper = new MemberMapper(name.substring(0, name.indexOf('.')), null, Action.ADD);
        try (RecordReader r = RecordReaders.open(new ByteArrayInputStream(content), name)) {
            SourceRecord rec;
            while ((rec = r.next()) != null) {
                n++;
                if (rec.error() != null) continue;
                RawMember member = mapper.map(rec);
                if (member.action == null || AudienceValidation.problem(member.audienceId, member.audienceName) != null) continue;
                rows.build(member);
            }
        }
        return n;
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }
}
