package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * What a node does with a due scheduler entry ({@link JobQueue}). Each runs with its tenant in scope,
 * checks at execution time that the job still exists and is not paused, and takes one of its tenant's
 * turns on this node ({@code cloudwarden.jobs.per-tenant}); without one it steps back a moment, behind
 * other tenants' entries, instead of holding a slot while it waits, and the node looks for due entries
 * again as soon as one of that tenant's runs ends.
 */
@Component
class JobExecutions {

    private final JobRunner runner;
    private final TenantContext tenants;
    private final JobSettings settings;
    private final Clock clock;
    private final ObjectProvider<Scheduler> scheduler;
    private final ConcurrentHashMap<UUID, Integer> busy = new ConcurrentHashMap<>();
    /** Tenants with entries stepped back since one of theirs last started: each run of theirs that ends makes the node look again. */
    private final Set<UUID> waiting = ConcurrentHashMap.newKeySet();

    JobExecutions(JobRunner runner, TenantContext tenants, JobSettings settings, Clock clock, ObjectProvider<Scheduler> scheduler) {
        this.scheduler = scheduler;
        this.runner = runner;
        this.tenants = tenants;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A job's slot ({@link JobRunner#runSlot}), then the entry moves to the job's next slot after now,
     * as the job stands after the run. Slots missed while every node was down collapse into this one;
     * one older than the grace is recorded as missed instead of run. A slot that is no longer one of
     * the job's (its schedule changed) does not run.
     */
    CompletionHandler<JobQueue.Tick> tick(JobQueue.Tick tick) {
        if (!enter(tick.tenant())) {
            return later(tick.tenant(), tick);
        }
        try {
            return tenants.callAs(tick.tenant(), () -> {
                Instant now = clock.instant();
                Optional<JobRows.Job> job = runner.runSlot(tick.job(), tick.due(), now.isAfter(tick.due().plus(settings.missedRunGrace())));
                Instant after = now.isAfter(tick.due()) ? now : tick.due();
                return job.flatMap(j -> JobSchedules.next(j, after)).<CompletionHandler<JobQueue.Tick>>map(n -> (complete, operations) ->
                        operations.reschedule(complete, n, new JobQueue.Tick(tick.tenant(), tick.job(), n)))
                        .orElseGet(CompletionHandler.OnCompleteRemove::new);
            });
        } finally {
            leave(tick.tenant());
        }
    }

    /** A run asked for on demand. */
    CompletionHandler<JobQueue.RunNow> run(JobQueue.RunNow run) {
        if (!enter(run.tenant())) {
            return later(run.tenant(), run);
        }
        try {
            tenants.runAs(run.tenant(), () -> runner.execute(run.job(), run.run()));
            return new CompletionHandler.OnCompleteRemove<>();
        } finally {
            leave(run.tenant());
        }
    }

    /** An on-demand run whose execution kept failing outside its run: it ends as failed rather than stay queued. */
    void giveUp(JobQueue.RunNow run) {
        tenants.runAs(run.tenant(), () -> runner.giveUp(run.job(), run.run()));
    }

    private boolean enter(UUID tenant) {
        boolean[] entered = {false};
        busy.compute(tenant, (t, n) -> {
            int now = n == null ? 0 : n;
            if (now >= settings.perTenant()) {
                return n;
            }
            entered[0] = true;
            return now + 1;
        });
        if (entered[0]) {
            waiting.remove(tenant);
        }
        return entered[0];
    }

    private void leave(UUID tenant) {
        busy.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
        if (waiting.contains(tenant)) {
            scheduler.getObject().triggerCheckForDueExecutions();
        }
    }

    /** Back in the queue, unchanged, due again in a moment (jittered, so the waiting entries do not all return at once). */
    private <T> CompletionHandler<T> later(UUID tenant, T data) {
        waiting.add(tenant);
        Instant at = clock.instant().plus(Duration.ofMillis(100 + ThreadLocalRandom.current().nextInt(400)));
        return (complete, operations) -> operations.reschedule(complete, at, data);
    }
}
