package com.metaaudiencesync.console;

import java.time.LocalDate;
import java.util.Optional;

/** When Meta retires the configured Graph API version, if some bean knows (the console shows it when one is present). */
@FunctionalInterface
public interface ApiVersionExpiry {
    Optional<LocalDate> expiry();
}
