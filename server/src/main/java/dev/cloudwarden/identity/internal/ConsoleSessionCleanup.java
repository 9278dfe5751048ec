package dev.cloudwarden.identity.internal;

import dev.cloudwarden.tenancy.DatabaseAvailability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

/**
 * Deletes expired console sessions on {@code spring.session.jdbc.cleanup-cron}, in place of Spring
 * Session's own scheduler, whose error handler logs a stack trace at ERROR on every run while the
 * database is down. Here an outage is left to {@link DatabaseAvailability} (one line per outage);
 * any other failure is still an error.
 */
final class ConsoleSessionCleanup implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSessionCleanup.class);

    private final JdbcIndexedSessionRepository repository;
    private final DatabaseAvailability availability;
    private final ThreadPoolTaskScheduler scheduler;

    ConsoleSessionCleanup(JdbcIndexedSessionRepository repository, DatabaseAvailability availability, String cron) {
        this.repository = repository;
        this.availability = availability;
        if (Scheduled.CRON_DISABLED.equals(cron)) {
            this.scheduler = null;
            return;
        }
        this.scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix("console-session-cleanup-");
        scheduler.initialize();
        scheduler.schedule(this::run, new CronTrigger(cron));
    }

    @Override
    public void run() {
        try {
            repository.cleanUpExpiredSessions();
        } catch (RuntimeException e) {
            if (DatabaseAvailability.isOutage(e)) {
                availability.failed(e);
            } else {
                log.error("Could not delete expired console sessions", e);
            }
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdown();
        }
    }
}
