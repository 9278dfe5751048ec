package dev.cloudwarden.cloud.internal;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code cloudwarden.jobs.*}: how this node runs jobs (docs/jobs.md). How many runs a node executes at
 * once is {@code db-scheduler.threads}.
 *
 * @param queue          the scheduler's task names start with it: every node of one platform uses the
 *                       same; a different one keeps nodes apart on one database (the tests' servers)
 * @param perTenant      runs of one tenant at once on a node; further due runs of that tenant wait
 *                       their turn behind other tenants' runs, so a tenant with 500 accounts cannot
 *                       starve a tenant with one
 * @param missedRunGrace a scheduled run that could not start within this long of its time (every node
 *                       was down) is skipped and recorded as missed, never run hours late
 */
@ConfigurationProperties("cloudwarden.jobs")
record JobSettings(String queue, int perTenant, Duration missedRunGrace) {

    @ConstructorBinding
    JobSettings {
        if (queue == null) queue = "jobs";
        if (perTenant == 0) perTenant = 4;
        if (missedRunGrace == null) missedRunGrace = Duration.ofHours(1);
        if (!queue.matches("[a-z0-9-]{1,60}")) {
            throw new IllegalArgumentException("cloudwarden.jobs.queue must be 1 to 60 of a-z, 0-9 and -");
        }
        if (perTenant < 1 || perTenant > 10_000) {
            throw new IllegalArgumentException("cloudwarden.jobs.per-tenant must be between 1 and 10000");
        }
        if (missedRunGrace.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("cloudwarden.jobs.missed-run-grace must be at least a minute");
        }
    }
}
