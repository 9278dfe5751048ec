package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.RecentActivity;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;

/** {@link RecentActivity}: the first page of the history, worded as on the activity page. */
@Service
class RecentEvents implements RecentActivity {

    private final ActivityReader reader;

    RecentEvents(ActivityReader reader) {
        this.reader = reader;
    }

    @Override
    public List<Entry> latest(int limit) {
        ActivityQueries.Filter newest = new ActivityQueries.Filter(null, Long.MAX_VALUE, limit, null, null, null, null, null, null);
        return reader.page(newest).events().stream().map(ActivityConsoleController::row)
                .map(r -> new Entry(r.seq(), Instant.parse(r.occurredAt()), r.actor(), r.action(), r.target())).toList();
    }
}
