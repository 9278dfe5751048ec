package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a node does with a due scheduler entry ({@link JobQueue}). Each runs with its tenant in scope,
 * checks at execution time that the job still exists and is not paused, and takes one of its tenant's
 * turns on this node ({@code cloudwarden.jobs.per-tenant}); without one it steps back a second or two,
 * behind other tenants' entries, instead of holding a slot while it waits.
 */
@Component
class JobExecutions {

    private final JobRows rows;
    private final JobRunner runner;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final DatabaseTurns turns;
    private final JobSettings settings;
    private final Clock clock;
    private final ConcurrentHashMap<UUID, Integer> busy = new ConcurrentHashMap<>();

    JobExecutions(JobRows rows, JobRunner runner, TenantContext tenants, TransactionTemplate tx, DatabaseTurns turns, JobSettings settings,
                  Clock clock) {
        this.rows = rows;
        this.runner = runner;
        this.tenants = tenants;
        this.tx = tx;
        this.turns = turns;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A job's slot: records its run once (the run's id follows from the job and the slot, so a slot
     * executed again finds its run), executes it, then moves the entry to the job's next slot after
     * now. Slots missed while every node was down collapse into this one; one older than the grace is
     * recorded as missed instead of run. A slot that is no longer one of the job's (its schedule
     * changed) does not run.
     */
    CompletionHandler<JobQueue.Tick> tick(JobQueue.Tick tick) {
        if (!enter(tick.tenant())) {
            return later(tick);
        }
        try {
            return tenants.callAs(tick.tenant(), () -> {
                Optional<JobRows.Job> job = turns.inTurn(() -> tx.execute(s -> rows.find(tick.job())));
                if (job.isPresent() && !job.get().paused() && JobSchedules.isSlot(job.get(), tick.due())) {
                    UUID run = scheduledRunId(tick.job(), tick.due());
                    boolean missed = clock.instant().isAfter(tick.due().plus(settings.missedRunGrace()));
                    turns.inTurn(() -> tx.execute(s -> rows.insertScheduledRun(run, tick.tenant(), tick.job(), tick.due())));
                    if (missed) {
                        runner.skipMissed(tick.job(), run);
                    } else {
                        runner.execute(tick.job(), run);
                    }
                }
                // the job as it is now: it may have changed, been paused or deleted during the run
                Instant after = later(clock.instant(), tick.due());
                Optional<Instant> next = turns.inTurn(() -> tx.execute(s -> rows.find(tick.job()))).flatMap(j -> JobSchedules.next(j, after));
                return next.<CompletionHandler<JobQueue.Tick>>map(n -> (complete, operations) ->
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
            return later(run);
        }
        try {
            tenants.runAs(run.tenant(), () -> runner.execute(run.job(), run.run()));
            return new CompletionHandler.OnCompleteRemove<>();
        } finally {
            leave(run.tenant());
        }
    }

    /** The run of a job's slot: the same on every node and every attempt. */
    static UUID scheduledRunId(UUID job, Instant due) {
        return UUID.nameUUIDFromBytes((job + "@" + due).getBytes(StandardCharsets.UTF_8));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
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
        return entered[0];
    }

    private void leave(UUID tenant) {
        busy.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
    }

    /** Back in the queue, unchanged, a second or two from now (jittered, so the waiting entries do not return at once). */
    private <T> CompletionHandler<T> later(T data) {
        Instant at = clock.instant().plus(Duration.ofMillis(1000 + ThreadLocalRandom.current().nextInt(1000)));
        return (complete, operations) -> operations.reschedule(complete, at, data);
    }
}
