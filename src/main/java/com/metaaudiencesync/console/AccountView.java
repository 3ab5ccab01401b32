package com.metaaudiencesync.console;

import com.metaaudiencesync.meta.Outcome;
import com.metaaudiencesync.ops.AccountProbe;
import com.metaaudiencesync.send.AccountGate;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Meta account's state as the console shows it: token valid, terms accepted, paused and why (never the token). */
final class AccountView {
    private AccountView() {}

    static Map<String, Object> of(AccountGate gate, AccountProbe probe, boolean dryRun) {
        Map<String, Object> m = new LinkedHashMap<>();
        String result = probe.lastResult();
        Outcome blocked = gate.blockedBy();
        Boolean tokenValid = null;
        Boolean terms = null;
        if (blocked != null) {
            tokenValid = blocked.kind() != Outcome.Kind.AUTH;
            if ("tos".equals(blocked.code())) terms = false;
        }
        if (result != null && result.startsWith("token valid")) { tokenValid = true; terms = true; }
        if (result != null && result.contains("terms not accepted")) { tokenValid = true; terms = false; }
        m.put("state", dryRun ? "dry-run" : blocked != null ? "paused" : tokenValid == null ? "unknown" : "ok");
        m.put("tokenValid", dryRun ? null : tokenValid);
        m.put("termsAccepted", dryRun ? null : terms);
        m.put("lastCheck", probe.lastCheck() > 0 ? Instant.ofEpochMilli(probe.lastCheck()).toString() : null);
        m.put("detail", result);
        if (blocked != null) {
            m.put("pausedSince", Instant.ofEpochMilli(gate.blockedAt()).toString());
            m.put("pausedBecause", blocked.message());
            m.put("action", blocked.userAction());
        }
        return m;
    }
}
