package com.metaaudiencesync.meta;

/**
 * A Graph call that did not succeed, thrown from a route step so the routes' error channels
 * (routes/errors.camel.yaml) decide what happens to the batch. The subclass says which channel.
 */
public abstract class GraphException extends RuntimeException {
    private final Outcome outcome;

    protected GraphException(Outcome outcome) {
        super(outcome.message(), null, false, false);
        this.outcome = outcome;
    }

    public Outcome getOutcome() { return outcome; }

    /** The outcome carried by {@code t} or one of its causes (a route step may wrap it); null when none does. */
    public static Outcome outcomeOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof GraphException g) return g.outcome;
        }
        return null;
    }

    /** The exception for a failed outcome: retryable, permanent, or one that pauses the account. */
    public static GraphException of(Outcome o) {
        if (o.pausesAccount()) return new AccountPausedException(o);
        if (o.retryable()) return new RetryableGraphException(o);
        return new PermanentGraphException(o);
    }
}
