package com.metaaudiencesync.model;

/**
 * The multi-key schema columns of Meta's customer-list Custom Audiences, in the one fixed order this
 * service always sends (one schema per audience, so every batch of every audience has the same shape).
 */
public enum MetaKey {
    EXTERN_ID(false), EMAIL(true), PHONE(true), GEN(true), DOBY(true), DOBM(true), DOBD(true),
    LN(true), FN(true), FI(true), CT(true), ST(true), ZIP(true), COUNTRY(true), MADID(false);

    private final boolean hashed;

    MetaKey(boolean hashed) { this.hashed = hashed; }

    /** SHA-256 is applied to this key; MADID and EXTERN_ID are sent as they are (after normalization). */
    public boolean hashed() { return hashed; }

    public static final MetaKey[] SCHEMA = values();
    public static final int COUNT = SCHEMA.length;
}
