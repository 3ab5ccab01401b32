package com.metaaudiencesync.meta;

/** Graph outcome: token invalid, permissions or terms missing: all sending pauses until the account probe succeeds. */
public class AccountPausedException extends GraphException {
    public AccountPausedException(Outcome outcome) { super(outcome); }
}
