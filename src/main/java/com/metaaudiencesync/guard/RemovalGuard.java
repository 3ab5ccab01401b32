package com.metaaudiencesync.guard;

/**
 * Decides whether a run or a .replace file that removes members may go ahead (docs/guard-rails.md). A source that
 * ends early without saying so (an HTTP/1.0-style body cut short, a truncated export, an empty table after a failed
 * ETL step, a wrong WHERE clause) reads as a smaller audience: held for an operator instead of removing members.
 * Plain Java, no I/O: callers count, this class judges.
 */
public final class RemovalGuard {
    /** Why a run is held, and the numbers behind it. lastSourceRows is null when there was no earlier successful run. */
    public record Hold(String reason, long wouldRemove, long knownMembers, long sourceRows, Long lastSourceRows) {}

    private final int maxRemovalPercent;
    private final int minSourcePercent;

    public RemovalGuard(int maxRemovalPercent, int minSourcePercent) {
        this.maxRemovalPercent = maxRemovalPercent;
        this.minSourcePercent = minSourcePercent;
    }

    public int maxRemovalPercent() { return maxRemovalPercent; }
    public int minSourcePercent() { return minSourcePercent; }

    /**
     * @param wouldRemove    members the run would remove (for a replace: known members not in the new list)
     * @param knownMembers   members of the audience known to the state store (0: nothing to compare against, never held)
     * @param sourceRows     rows the source returned this time
     * @param lastSourceRows rows of the last successful run (null: none; the source-size check is skipped)
     * @param checkSource    false for a removal list (delete mode): a shorter opt-out list removes fewer members, never more
     * @return null when the run may go ahead
     */
    public Hold check(long wouldRemove, long knownMembers, long sourceRows, Long lastSourceRows, boolean checkSource) {
        StringBuilder why = new StringBuilder();
        if (knownMembers > 0 && wouldRemove * 100 > (long) maxRemovalPercent * knownMembers) {
            why.append("would remove ").append(wouldRemove).append(" of ").append(knownMembers).append(" known members (")
                    .append(percent(wouldRemove, knownMembers)).append(" %, more than sync.guard.max-removal-percent=").append(maxRemovalPercent).append(')');
        }
        if (checkSource && lastSourceRows != null && lastSourceRows > 0 && sourceRows * 100 < (long) minSourcePercent * lastSourceRows) {
            if (why.length() > 0) why.append("; ");
            why.append("the source returned ").append(sourceRows).append(" rows, ").append(percent(sourceRows, lastSourceRows)).append(" % of the ")
                    .append(lastSourceRows).append(" of the last successful run (less than sync.guard.min-source-percent=").append(minSourcePercent).append(')');
        }
        return why.length() == 0 ? null : new Hold(why.toString(), wouldRemove, knownMembers, sourceRows, lastSourceRows);
    }

    private static String percent(long part, long whole) {
        return String.valueOf(Math.round(part * 1000.0 / whole) / 10.0);
    }
}
