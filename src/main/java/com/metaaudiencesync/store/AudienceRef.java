package com.metaaudiencesync.store;

import java.util.Objects;

/** An audience by Meta id, or by name (resolved, and created when missing, at send time). */
public record AudienceRef(String id, String name) {
    public static AudienceRef ofId(String id) { return new AudienceRef(id.trim(), null); }
    public static AudienceRef ofName(String name) { return new AudienceRef(null, name.trim()); }
    /** the key that orders batches of one audience */
    public String key() { return id != null ? "id:" + id : "name:" + name; }
    public String display() { return id != null ? id : name; }

    // written out for the same reason as BatchStager.Group's (compared per block of staged rows)
    @Override public boolean equals(Object o) {
        if (o == this) return true;
        return o instanceof AudienceRef a && Objects.equals(id, a.id) && Objects.equals(name, a.name);
    }

    @Override public int hashCode() { return 31 * Objects.hashCode(id) + Objects.hashCode(name); }
}
