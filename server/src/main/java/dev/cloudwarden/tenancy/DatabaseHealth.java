package dev.cloudwarden.tenancy;

import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The database's part of {@code /actuator/health}: a pooled connection that answers a validity
 * check within a second. While the database is unreachable this says DOWN within the pool's
 * connection timeout, and logs only {@link DatabaseAvailability}'s one line per outage (load
 * balancers probe every few seconds; a stack trace per probe would bury everything else).
 */
public class DatabaseHealth implements HealthIndicator {

    private static final int VALIDATION_SECONDS = 1;

    private final DataSource dataSource;
    private final DatabaseAvailability availability;

    DatabaseHealth(DataSource dataSource, DatabaseAvailability availability) {
        this.dataSource = dataSource;
        this.availability = availability;
    }

    @Override
    public Health health() {
        try (Connection connection = dataSource.getConnection()) {
            if (connection.isValid(VALIDATION_SECONDS)) {
                availability.reachable();
                return Health.up().build();
            }
            return Health.down().build();
        } catch (Exception e) {
            availability.failed(e);
            return Health.down().build();
        }
    }
}
