package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;

/**
 * Maps a source column / JSON field name to what it means (CONTRACT §3). Names match case-insensitively,
 * ignoring '_', '-' and spaces (so camelCase firstName matches first_name).
 * STUB: full table implemented in the normalizer work.
 */
public final class ColumnAliases {
    public enum Kind { IDENTIFIER, PREHASHED, DATE_OF_BIRTH, AUDIENCE_ID, AUDIENCE_NAME, ACTION, LDU, LDU_COUNTRY, LDU_STATE, IGNORED }

    public record Column(Kind kind, MetaKey key) {
        public static final Column IGNORED_COLUMN = new Column(Kind.IGNORED, null);
    }

    private ColumnAliases() {}

    public static String canonical(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_' || c == '-' || c == ' ') continue;
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }

    public static Column resolve(String name) {
        String c = canonical(name);
        switch (c) {
            case "email": return new Column(Kind.IDENTIFIER, MetaKey.EMAIL);
            case "phone": return new Column(Kind.IDENTIFIER, MetaKey.PHONE);
            case "audienceid": case "segmentid": return new Column(Kind.AUDIENCE_ID, null);
            case "audience": case "audiencename": case "segmentname": return new Column(Kind.AUDIENCE_NAME, null);
            case "action": return new Column(Kind.ACTION, null);
            default: return Column.IGNORED_COLUMN;
        }
    }
}
