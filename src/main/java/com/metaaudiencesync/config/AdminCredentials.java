package com.metaaudiencesync.config;

import org.springframework.core.env.Environment;

/** The admin credentials as configured ({@code spring.security.user.name/password}); configured once a password is set. */
public record AdminCredentials(String name, String password) {
    public static AdminCredentials from(Environment env) {
        String name = env.getProperty("spring.security.user.name");
        String pw = env.getProperty("spring.security.user.password");
        return new AdminCredentials(name == null || name.isBlank() ? "admin" : name, pw == null || pw.isBlank() ? null : pw);
    }

    public boolean configured() { return password != null; }

    @Override public String toString() { return "AdminCredentials[name=" + name + ", password=" + (configured() ? "***" : "none") + "]"; }
}
