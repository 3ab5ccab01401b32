package com.metaaudiencesync.reliability;

import com.metaaudiencesync.fake.FakeGraphApi;
import com.metaaudiencesync.fake.RecordedRequest;
import com.metaaudiencesync.model.MetaKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared helpers of the reliability suite: test files, what the fake received, the secret/PII scan. */
final class ReliabSupport {
    /** fake token: long and distinctive, so a leak anywhere is found by a plain substring search */
    static final String TOKEN = "EAAreliabTOKEN0123456789abcdefSECRET";
    static final String ACCOUNT = "act_4242";
    static final int EMAIL_COL = MetaKey.EMAIL.ordinal();

    private ReliabSupport() {}

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String ADMIN_USER = "reliab-admin";
    static final String ADMIN_PASSWORD = "reliab-admin-pw-71e2";

    /** Common service properties for a Spring test against the fake. */
    static void common(Map<String, String> p, FakeGraphApi fake, Path inbox, Path outbox) {
        p.put("meta.graph-url", fake.baseUrl());
        p.put("meta.access-token", TOKEN);
        p.put("meta.ad-account-id", ACCOUNT);
        // live mode: the admin API needs the admin credentials
        p.put("spring.security.user.name", ADMIN_USER);
        p.put("spring.security.user.password", ADMIN_PASSWORD);
        p.put("sync.inbox", inbox.toString());
        p.put("sync.outbox", outbox.toString());
    }

    static String email(String prefix, int i) { return prefix + ".person" + i + "@example.com"; }

    /** A CSV of n rows with email, phone and first name, returns the raw emails. Written under a temp name and moved in. */
    static List<String> writeCsv(Path inbox, String name, String prefix, int n) throws IOException {
        List<String> emails = new ArrayList<>(n);
        StringBuilder sb = new StringBuilder("email,phone,first_name,country\n");
        for (int i = 0; i < n; i++) {
            String e = email(prefix, i);
            emails.add(e);
            sb.append(e).append(",+1 650 555 ").append(String.format("%04d", i % 10000)).append(",Alice").append(i % 97).append(",US\n");
        }
        drop(inbox, name, sb.toString().getBytes(StandardCharsets.UTF_8));
        return emails;
    }

    static void drop(Path inbox, String name, byte[] content) throws IOException {
        Path tmp = inbox.resolve("." + name + ".part");
        Files.write(tmp, content);
        Files.move(tmp, inbox.resolve(name));
    }

    static Set<String> hashes(List<String> emails) {
        Set<String> s = new HashSet<>();
        for (String e : emails) s.add(FakeGraphApi.sha256Hex(e.trim().toLowerCase()));
        return s;
    }

    /** The EMAIL column of every member of the audience. */
    static Set<String> memberEmailHashes(FakeGraphApi fake, String audienceName) {
        String id = fake.audienceIdByName(audienceName);
        if (id == null) return Set.of();
        Set<String> out = new HashSet<>();
        for (String m : fake.membership(id)) out.add(m.split("\\|", -1)[EMAIL_COL]);
        return out;
    }

    static List<RecordedRequest> userRequests(FakeGraphApi fake) {
        return fake.requests().stream().filter(r -> r.path().endsWith("/users") || r.path().endsWith("/usersreplace")).toList();
    }

    /**
     * No file under {@code dir} (recursively, the outbox excepted: it holds request bodies by design, hashed) and no
     * captured log text contains the token or any raw email/phone/name of {@code raw}.
     */
    static void assertNoSecrets(Path dir, String capturedLog, List<String> raw) throws IOException {
        List<String> needles = new ArrayList<>(raw);
        needles.add(TOKEN);
        List<String> texts = new ArrayList<>();
        if (capturedLog != null) texts.add("log|" + capturedLog);
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    String n = p.getFileName().toString();
                    // the input files themselves (still in the inbox or moved to .done/.failed) are the user's data
                    if (!n.endsWith(".report.json") && !n.endsWith(".log")) continue;
                    texts.add(p + "|" + Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
        }
        for (String t : texts) {
            for (String needle : needles) {
                assertThat(t.contains(needle)).as("'%s' leaked into %s", needle.equals(TOKEN) ? "<the token>" : needle,
                        t.substring(0, Math.min(120, t.indexOf('|')))).isFalse();
            }
        }
    }

    static final Pattern LINE_SPLIT = Pattern.compile("\\R");

    static long count(String haystack, String needle) {
        long n = 0;
        int i = 0;
        while ((i = haystack.indexOf(needle, i)) >= 0) { n++; i += needle.length(); }
        return n;
    }
}
