package com.metaaudiencesync.meta;

/** Graph outcome: rate limit, 5xx, timeout or dropped connection: the batch is tried again later (durably). */
public class RetryableGraphException extends GraphException {
    public RetryableGraphException(Outcome outcome) { super(outcome); }
}
