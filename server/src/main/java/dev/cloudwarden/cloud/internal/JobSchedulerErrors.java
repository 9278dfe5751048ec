package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import dev.cloudwarden.tenancy.DatabaseAvailability;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The scheduler's loops (polling, heartbeats, finding dead runs) log each failure as an ERROR with a
 * stack trace, every few seconds while the database is away; application.yaml turns those two
 * loggers off and this listener speaks for them: it asks the database whether it answers, so an
 * outage is logged once, as every outage is ({@link DatabaseAvailability}); any other failure is one
 * warning without details at most every five minutes.
 */
@Component
class JobSchedulerErrors extends AbstractSchedulerListener {

    private static final Logger log = LoggerFactory.getLogger(JobSchedulerErrors.class);
    private static final Duration QUIET = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final DatabaseAvailability availability;
    private final Clock clock;
    private final AtomicReference<Instant> lastWarned = new AtomicReference<>(Instant.MIN);

    JobSchedulerErrors(DataSource dataSource, DatabaseAvailability availability, Clock clock) {
        this.dataSource = dataSource;
        this.availability = availability;
        this.clock = clock;
    }

    @Override
    public void onSchedulerEvent(SchedulerEventType type) {
        if (type != SchedulerEventType.UNEXPECTED_ERROR) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(2)) {
                throw new SQLException("the connection is not valid", "08006");
            }
        } catch (SQLException | RuntimeException e) {
            if (DatabaseAvailability.isOutage(e)) {
                availability.failed(e);
                return;
            }
        }
        Instant now = clock.instant();
        Instant last = lastWarned.get();
        if (now.isAfter(last.plus(QUIET)) && lastWarned.compareAndSet(last, now)) {
            log.warn("The job scheduler hit an unexpected error and keeps running; runs it could not record are retried");
        }
    }
}
