package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** The tenant's automation jobs: create, read, change (pause and resume included) and delete. */
@Service
class Jobs {

    static final int MAX_JOBS = 1000;

    /** What PATCH may change: everything but the account and the type, and {@code paused}. */
    record Change(String name, String schedule, String timezone, Map<String, Object> parameters, Boolean paused, Boolean clearSchedule) {
    }

    private final JobRows rows;
    private final JobSchedules schedules;
    private final CloudAccountRows accounts;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;

    Jobs(JobRows rows, JobSchedules schedules, CloudAccountRows accounts, ActivityLog activity, TenantContext tenants, TransactionTemplate tx,
         Clock clock) {
        this.rows = rows;
        this.schedules = schedules;
        this.accounts = accounts;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock;
    }

    JobRows.Job create(JobDefinition.Request request) {
        if (request == null) {
            throw ApiProblem.invalid("body", "is required");
        }
        UUID tenant = tenants.require();
        UUID id = UUID.randomUUID();
        return tx.execute(s -> {
            UUID account = Ids.parse(request.cloudAccountId(),
                    () -> ApiProblem.invalid("cloudAccountId", "must be the id of a cloud account"));
            // another tenant's account is answered like one that does not exist
            List<String> regions = accounts.find(account).orElseThrow(() -> ApiProblem.invalid("cloudAccountId", "must be the id of a cloud account"))
                    .regions();
            JobDefinition definition = JobDefinition.check(request, regions);
            accounts.lockTenant(tenant);
            if (rows.count() >= MAX_JOBS) {
                throw ApiProblem.conflict("too_many_jobs", "This organisation has " + MAX_JOBS + " jobs; delete one first.");
            }
            Instant now = clock.instant();
            rows.insert(id, tenant, definition, now);
            activity.record(Action.JOB_CREATED, target(id), Map.of("type", definition.type().id));
            JobRows.Job job = rows.find(id).orElseThrow();
            schedules.plan(tenant, job, now);
            return job;
        });
    }

    List<JobRows.Job> list() {
        return tx.execute(s -> rows.list());
    }

    JobRows.Job get(UUID id) {
        return tx.execute(s -> rows.find(id)).orElseThrow(ApiProblem::notFound);
    }

    JobRows.Job change(UUID id, Change change) {
        if (change == null) {
            throw ApiProblem.invalid("body", "is required");
        }
        UUID tenant = tenants.require();
        return tx.execute(s -> {
            JobRows.Job job = rows.find(id).orElseThrow(ApiProblem::notFound);
            List<String> regions = accounts.find(job.cloudAccountId()).orElseThrow(ApiProblem::notFound).regions();
            boolean clear = Boolean.TRUE.equals(change.clearSchedule());
            if (clear && change.schedule() != null) {
                throw ApiProblem.invalid("schedule", "give a schedule or clearSchedule, not both");
            }
            String schedule = clear ? null : change.schedule() != null ? change.schedule() : job.schedule();
            String timezone = clear ? null : change.timezone() != null ? change.timezone() : job.timezone();
            JobDefinition definition = JobDefinition.check(new JobDefinition.Request(change.name() != null ? change.name() : job.name(),
                    job.cloudAccountId().toString(), job.type(), schedule, schedule == null ? null : timezone,
                    change.parameters() != null ? change.parameters() : job.parameters()), regions);
            boolean paused = change.paused() != null ? change.paused() : job.paused();
            Instant now = clock.instant();
            rows.update(id, definition, paused, now);
            List<String> changed = new ArrayList<>();
            if (paused != job.paused()) {
                changed.add(paused ? "paused" : "resumed");
            }
            if (change.name() != null || change.schedule() != null || change.timezone() != null || change.parameters() != null || clear) {
                changed.add("definition");
            }
            activity.record(Action.JOB_CHANGED, target(id), Map.of("changes", String.join(",", changed)));
            JobRows.Job changedJob = rows.find(id).orElseThrow();
            schedules.plan(tenant, changedJob, now);
            return changedJob;
        });
    }

    void delete(UUID id) {
        tx.executeWithoutResult(s -> {
            if (!rows.delete(id)) {
                throw ApiProblem.notFound();
            }
            activity.record(Action.JOB_DELETED, target(id));
            schedules.forget(id);
        });
    }

    /** Before an account is deleted, in its transaction: its jobs' scheduler entries go (the jobs go with the account). */
    void forgetAccount(UUID account) {
        rows.list().stream().filter(j -> j.cloudAccountId().equals(account)).forEach(j -> schedules.forget(j.id()));
    }

    /** The subscription ended, in its transaction: every job's entry leaves the scheduler's queue. */
    void unplanAll() {
        rows.list().forEach(j -> schedules.forget(j.id()));
    }

    /** The subscription was renewed, in its transaction: every job that is not paused is planned again from now. */
    void planAll() {
        UUID tenant = tenants.require();
        rows.list().forEach(j -> schedules.plan(tenant, j, clock.instant()));
    }

    /** What the tenant's jobs need the role to allow, for the setup documents. */
    SetupDocuments.Features features() {
        List<Map<String, String>> startStop = new ArrayList<>();
        List<Map<String, String>> snapshots = new ArrayList<>();
        for (JobRows.Job job : rows.list()) {
            @SuppressWarnings("unchecked")
            Map<String, String> tags = (Map<String, String>) job.parameters().getOrDefault("tags", Map.of());
            switch (job.type()) {
                case "stop_instances", "start_instances" -> startStop.add(tags);
                case "snapshot_volumes" -> snapshots.add(tags);
                default -> { }
            }
        }
        return new SetupDocuments.Features(startStop, snapshots);
    }

    static Target target(UUID job) {
        return new Target("job", job.toString());
    }
}
