package dev.cloudwarden.tenancy;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.stereotype.Component;

/**
 * Tells a database outage (PostgreSQL stopped or unreachable, the pool out of connections for
 * longer than its connection timeout, the server refusing connections) apart from a bug, so the
 * web layer answers 503 with {@code Retry-After} instead of 500, and logs it once per outage:
 * one warning when the first failure is seen, one line when a connection works again, nothing per
 * request in between.
 */
@Component
public class DatabaseAvailability {

    /** What clients are told to wait before trying again. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

    private final AtomicBoolean down = new AtomicBoolean();

    /**
     * Whether {@code failure} (or one of its causes) says the database cannot be reached or cannot
     * take more work right now: a connection failure (SQL state class 08), the server shutting down
     * or starting up (57P01-57P03), insufficient resources (class 53: too many connections, disk
     * full), or no pooled connection within the timeout. Constraint violations, syntax errors,
     * serialization failures and the like are not outages.
     */
    public static boolean isOutage(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && outageState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static boolean outageState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("53") || state.equals("57P01")
                || state.equals("57P02") || state.equals("57P03"));
    }

    /** An outage was seen: the first one since the database last answered is logged, without a stack trace. */
    public void failed(Throwable failure) {
        if (down.compareAndSet(false, true)) {
            log.warn("The database is unavailable ({}): requests that need it get 503 until it answers again",
                    describe(failure));
        }
    }

    /** A connection to the database just worked (cheap: called at the start of every transaction). */
    public void reachable() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("The database answers again");
        }
    }

    /** The exception type and SQL state, never the message (it may name hosts, roles or values). */
    private static String describe(Throwable failure) {
        String type = failure.getClass().getSimpleName();
        String state = null;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof SQLException sql) {
                type = t.getClass().getSimpleName();
                if (sql.getSQLState() != null) {
                    state = sql.getSQLState();
                }
            }
        }
        return state == null ? type : type + ", SQL state " + state;
    }
}
