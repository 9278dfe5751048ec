package dev.cloudwarden.activity;

import java.time.Instant;
import java.util.List;

/** The newest events of the organisation's history, as the activity page words them, for the console's overview. */
public interface RecentActivity {

    record Entry(long seq, Instant at, String actor, String action, String target) {
    }

    /** The {@code limit} newest events of the tenant in scope, newest first. */
    List<Entry> latest(int limit);
}
