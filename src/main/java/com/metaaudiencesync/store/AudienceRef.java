package com.metaaudiencesync.store;

/** An audience by Meta id, or by name (resolved, and created when missing, at send time). */
public record AudienceRef(String id, String name) {
    public static AudienceRef ofId(String id) { return new AudienceRef(id.trim(), null); }
    public static AudienceRef ofName(String name) { return new AudienceRef(null, name.trim()); }
    /** the key that orders batches of one audience */
    public String key() { return id != null ? "id:" + id : "name:" + name; }
    public String display() { return id != null ? id : name; }
}
