package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Runs of a job: asking for one (queued, then executed by {@link JobRunner}) and reading them with their results. */
@Service
class JobRuns {

    private final JobRows rows;
    private final JobSchedules schedules;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;

    JobRuns(JobRows rows, JobSchedules schedules, TenantContext tenants, TransactionTemplate tx, Clock clock) {
        this.rows = rows;
        this.schedules = schedules;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock;
    }

    /** Queues a run now, for whichever node takes it first. A paused job does not run, not even on demand. */
    UUID request(UUID job, boolean dryRun) {
        UUID tenant = tenants.require();
        UUID run = UUID.randomUUID();
        tx.executeWithoutResult(s -> {
            if (rows.find(job).orElseThrow(ApiProblem::notFound).paused()) {
                throw ApiProblem.conflict("job_paused", "The job is paused; resume it first.");
            }
            if (!rows.tenantActive()) {
                throw ApiProblem.conflict(JobRunner.SUBSCRIPTION_ENDED, "The organisation's subscription has ended.");
            }
            Instant now = clock.instant();
            rows.insertRun(run, tenant, job, dryRun, "manual", now);
            schedules.queue(tenant, job, run, now);
        });
        return run;
    }

    static final Set<String> FILTERS = Set.of("status", "trigger", "before", "limit");
    static final String USAGE = "status, trigger, before or limit";
    private static final Set<String> STATUSES = Set.of("queued", "running", "succeeded", "failed", "cancelled");

    /**
     * The job's latest runs (100 unless {@code limit}), narrowed by {@code status} and {@code trigger}, older than the run
     * {@code before} when given (the next page: the last id of the one before); 400 naming a bad filter.
     */
    List<JobRows.Run> list(UUID job, Map<String, String> filters) {
        String status = filters.get("status");
        if (status != null && !STATUSES.contains(status)) {
            throw ApiProblem.invalid("status", "must be queued, running, succeeded, failed or cancelled");
        }
        String trigger = filters.get("trigger");
        if (trigger != null && !trigger.equals("manual") && !trigger.equals("schedule")) {
            throw ApiProblem.invalid("trigger", "must be manual or schedule");
        }
        String limitText = filters.getOrDefault("limit", "100");
        int limit = limitText.matches("[0-9]{1,3}") ? Integer.parseInt(limitText) : 0;
        if (limit < 1 || limit > 100) {
            throw ApiProblem.invalid("limit", "must be a whole number from 1 to 100");
        }
        UUID before = null;
        if (filters.get("before") != null) {
            try {
                before = UUID.fromString(filters.get("before"));
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalid("before", "must be the id of a run of this job");
            }
        }
        UUID older = before;
        return tx.execute(s -> {
            rows.find(job).orElseThrow(ApiProblem::notFound);
            if (older != null && !rows.hasRun(job, older)) {
                throw ApiProblem.invalid("before", "must be the id of a run of this job");
            }
            return rows.runs(job, status, trigger, older, limit);
        });
    }

    JobRows.Run get(UUID job, UUID run) {
        return tx.execute(s -> rows.run(job, run)).orElseThrow(ApiProblem::notFound);
    }
}
