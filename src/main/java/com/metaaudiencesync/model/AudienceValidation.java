package com.metaaudiencesync.model;

/**
 * Checks the audience a row or event names before it is taken in, so one bad name rejects that row with a
 * reason instead of failing a batch later (Graph path, dry-run outbox file name, logs).
 * <ul>
 *   <li>An id is Meta's numeric id: 1 to 25 digits ({@code invalid_audience_id}); anything else could
 *       change the Graph path it is put in.</li>
 *   <li>A name holds 1 to {@link #MAX_NAME_LENGTH} characters ({@code audience_name_too_long}) and no control
 *       character, NUL, lone surrogate, U+FFFD (what invalid UTF-8 decodes to) or Unicode noncharacter
 *       ({@code invalid_audience_name}). Meta's reference publishes no maximum; 200 is this service's
 *       limit, above any name people type in Ads Manager.</li>
 * </ul>
 */
public final class AudienceValidation {
    /** longest audience name taken in, in Unicode code points */
    public static final int MAX_NAME_LENGTH = 200;
    public static final String INVALID_ID = "invalid_audience_id";
    public static final String NAME_TOO_LONG = "audience_name_too_long";
    public static final String INVALID_NAME = "invalid_audience_name";

    private AudienceValidation() {}

    /** the reject reason for an audience given by id or else by name, or null when it is acceptable */
    public static String problem(String id, String name) {
        return id != null ? idProblem(id) : name != null ? nameProblem(name) : null;
    }

    public static String idProblem(String id) {
        String s = id.trim();
        if (s.isEmpty() || s.length() > 25) return INVALID_ID;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return INVALID_ID;
        }
        return null;
    }

    public static String nameProblem(String name) {
        String s = name.trim();
        if (s.isEmpty()) return INVALID_NAME;
        // cheap bound first: a String longer than 2×max chars holds more than max code points
        if (s.length() > 2 * MAX_NAME_LENGTH || s.codePointCount(0, s.length()) > MAX_NAME_LENGTH) return NAME_TOO_LONG;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (!allowed(cp)) return INVALID_NAME;
            i += Character.charCount(cp);
        }
        return null;
    }

    private static boolean allowed(int cp) {
        if (Character.isISOControl(cp)) return false;                    // NUL, tabs, line breaks, C1 controls
        if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) return false; // a lone surrogate (broken UTF-16)
        if (cp == 0xFFFD) return false;                                  // invalid UTF-8 decoded as replacement char
        if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF)) return false; // noncharacters
        int type = Character.getType(cp);
        return type != Character.UNASSIGNED && type != Character.PRIVATE_USE && type != Character.FORMAT
                || cp == 0x200D;                                         // keep the zero-width joiner of emoji sequences
    }
}
