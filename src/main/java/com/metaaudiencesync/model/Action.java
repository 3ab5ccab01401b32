package com.metaaudiencesync.model;

import java.util.Locale;

/** What a row does to its audience. */
public enum Action {
    /** POST /{audience}/users */
    ADD,
    /** POST /{audience}/users with method=DELETE, payload in the body */
    REMOVE,
    /** POST /{audience}/usersreplace within one session */
    REPLACE,
    /** privacy request: DELETE /act_{id}/usersofanyaudience (payload in the body) */
    REMOVE_ALL;

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    /** Parses add/remove (and a few common synonyms); null when not understood. */
    public static Action parse(String s) {
        if (s == null) return null;
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "add": case "insert": case "upsert": case "true": case "entered": return ADD;
            case "remove": case "delete": case "false": case "exited": return REMOVE;
            case "replace": return REPLACE;
            case "remove_all": case "remove-all": case "forget": return REMOVE_ALL;
            default: return null;
        }
    }
}
