package com.metaaudiencesync.meta;

/** Graph outcome: the batch cannot be applied as it is: it goes to the dead letters with the reason. */
public class PermanentGraphException extends GraphException {
    public PermanentGraphException(Outcome outcome) { super(outcome); }
}
