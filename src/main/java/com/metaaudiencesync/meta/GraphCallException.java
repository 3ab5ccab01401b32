package com.metaaudiencesync.meta;

/** A Graph call that did not succeed, with what it means. */
public class GraphCallException extends Exception {
    private final Outcome outcome;

    public GraphCallException(Outcome outcome) {
        super(outcome.message(), null, false, false);
        this.outcome = outcome;
    }

    public Outcome outcome() { return outcome; }
}
