package dev.cloudwarden.cloud;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/** The organisation's cloud at a glance, for the console's overview: counts only, of the tenant in scope. */
public interface CloudOverview {

    /** Cloud accounts by their last verification. */
    record Accounts(long verified, long unverified, long failed) {
        public long total() {
            return verified + unverified + failed;
        }
    }

    /** Resources of the last successful syncs, counted by kind ({@code instance}, {@code volume}, {@code snapshot}), state and region. */
    record ResourceCount(String kind, String state, String region, long count) {
    }

    /** Finished runs of one day (UTC), dry runs included. */
    record DayRuns(LocalDate day, long succeeded, long failed) {
    }

    /**
     * @param runs one entry per day of the window, oldest first, days without runs included
     * @param hoursSaved instance-hours inside the window between a scheduled run stopping an instance and the next
     *                   start of it by any run (or the end of the window)
     */
    record Summary(Accounts accounts, List<ResourceCount> resources, long jobs, List<DayRuns> runs, double hoursSaved) {
    }

    /** The summary of the {@code days} days (UTC) up to {@code now}. */
    Summary summary(Instant now, int days);
}
