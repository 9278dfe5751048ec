package dev.cloudwarden.lifecycle.internal;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code cloudwarden.lifecycle.*} (docs/lifecycle.md).
 *
 * @param retention   how long a terminated tenant's data is kept before the purge; at least 60 days
 *                    outside dev (the start-up guard refuses less in prod), and a tenant's own may only be longer
 * @param purgeNotice how long before the purge its notice goes to the organisation's administrators
 * @param purgeBatch  rows deleted per transaction of the purge: small enough that other tenants'
 *                    queries do not wait behind it
 * @param purgePace   the share of the time a purge works (0 to 1): after each step it rests long enough
 *                    that other tenants' requests keep the database's CPU and disk
 * @param schedule    when the daily lifecycle pass (notices, purges) runs, a cron expression in UTC
 */
@ConfigurationProperties("cloudwarden.lifecycle")
record LifecycleSettings(Duration retention, Duration purgeNotice, int purgeBatch, double purgePace, String schedule) {

    static final Duration MINIMUM_RETENTION = Duration.ofDays(60);

    @ConstructorBinding
    LifecycleSettings {
        if (retention == null) retention = MINIMUM_RETENTION;
        if (purgeNotice == null) purgeNotice = Duration.ofDays(7);
        if (purgeBatch == 0) purgeBatch = 1000;
        if (purgePace == 0) purgePace = 0.35;
        if (schedule == null) schedule = "0 0 3 * * *";
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("cloudwarden.lifecycle.retention must be positive");
        }
        if (purgeNotice.isNegative()) {
            throw new IllegalArgumentException("cloudwarden.lifecycle.purge-notice must not be negative");
        }
        if (!(purgePace > 0 && purgePace <= 1)) {
            throw new IllegalArgumentException("cloudwarden.lifecycle.purge-pace must be above 0 and at most 1");
        }
        if (purgeBatch < 1 || purgeBatch > 100_000) {
            throw new IllegalArgumentException("cloudwarden.lifecycle.purge-batch must be between 1 and 100000");
        }
    }
}
