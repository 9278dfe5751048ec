package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
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
            Instant now = clock.instant();
            rows.insertRun(run, tenant, job, dryRun, "manual", now);
            schedules.queue(tenant, job, run, now);
        });
        return run;
    }

    List<JobRows.Run> list(UUID job) {
        return tx.execute(s -> {
            rows.find(job).orElseThrow(ApiProblem::notFound);
            return rows.runs(job, 100);
        });
    }

    JobRows.Run get(UUID job, UUID run) {
        return tx.execute(s -> rows.run(job, run)).orElseThrow(ApiProblem::notFound);
    }
}
