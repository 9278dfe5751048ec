package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Keeps the scheduler's entries in step with the jobs, in the caller's transaction (db-scheduler
 * writes through the same transaction-aware pool), so a job and its entry commit or roll back
 * together. A job's slots are those of its cron expression in its time zone: on a spring-forward day
 * a slot in the skipped hour (02:30) runs once, at the first instant after the gap (03:30 or 03:00 by
 * the zone's rule, as {@link org.springframework.scheduling.support.CronExpression} resolves it); on a
 * fall-back day a slot in the repeated hour runs once, the first time.
 */
@Component
class JobSchedules {

    private final Scheduler scheduler;
    private final JobQueue.Names names;

    JobSchedules(Scheduler scheduler, JobQueue.Names names) {
        this.scheduler = scheduler;
        this.names = names;
    }

    /** The job's first slot after {@code after}; none while it is paused or has no schedule. */
    static Optional<Instant> next(JobRows.Job job, Instant after) {
        if (job.paused() || job.schedule() == null) {
            return Optional.empty();
        }
        ZonedDateTime next = JobDefinition.expression(job.schedule()).next(after.atZone(ZoneId.of(job.timezone())));
        return Optional.ofNullable(next).map(ZonedDateTime::toInstant);
    }

    /** Whether {@code due} is one of the job's slots as its schedule stands now. */
    static boolean isSlot(JobRows.Job job, Instant due) {
        return next(job, due.minusSeconds(1)).filter(due::equals).isPresent();
    }

    /**
     * After a job is created or changed: its entry moves to its next slot, or goes while it is paused or
     * unscheduled. An entry under way is left alone: when it ends it reads the job again.
     */
    void plan(UUID tenant, JobRows.Job job, Instant now) {
        TaskInstanceId id = TaskInstanceId.of(names.tick().getTaskName(), job.id().toString());
        Optional<ScheduledExecution<Object>> entry = scheduler.getScheduledExecution(id);
        if (entry.isPresent() && entry.get().isPicked()) {
            return;
        }
        Optional<Instant> next = next(job, now);
        if (next.isEmpty()) {
            entry.ifPresent(e -> scheduler.cancel(id));
        } else if (entry.isPresent()) {
            scheduler.reschedule(id, next.get(), new JobQueue.Tick(tenant, job.id(), next.get()));
        } else {
            scheduler.schedule(names.tick().instance(job.id().toString()).data(new JobQueue.Tick(tenant, job.id(), next.get()))
                    .scheduledTo(next.get()));
        }
    }

    /** After a job is deleted: its entry goes (one under way finds the job gone when it ends). */
    void forget(UUID job) {
        TaskInstanceId id = TaskInstanceId.of(names.tick().getTaskName(), job.toString());
        scheduler.getScheduledExecution(id).filter(e -> !e.isPicked()).ifPresent(e -> scheduler.cancel(id));
    }

    /** Queues a run to execute now on whichever node takes it first; this node looks as soon as the transaction commits. */
    void queue(UUID tenant, UUID job, UUID run, Instant now) {
        scheduler.schedule(names.run().instance(run.toString()).data(new JobQueue.RunNow(tenant, job, run)).scheduledTo(now));
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                scheduler.triggerCheckForDueExecutions();
            }
        });
    }
}
