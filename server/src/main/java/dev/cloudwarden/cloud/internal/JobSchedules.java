package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceCurrentlyExecutingException;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.UUID;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Keeps the scheduler's entries in step with the jobs, in the caller's transaction (db-scheduler
 * writes through the same transaction-aware pool), so a job and its entry commit or roll back
 * together. A job's slots are those of its cron expression in its time zone ({@link #next}): on a
 * spring-forward day a slot in the skipped hour (02:30) runs once, an hour later (03:30); on a
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

    /**
     * The job's first slot after {@code after}; none while it is paused or has no schedule. The cron is
     * read in the job's local time, then placed in its zone: a local time the zone skips moves forward
     * by the gap (02:30 becomes 03:30), and of a local time that happens twice the first is taken.
     */
    static Optional<Instant> next(JobRows.Job job, Instant after) {
        if (job.paused() || job.schedule() == null) {
            return Optional.empty();
        }
        CronExpression cron = JobDefinition.expression(job.schedule());
        ZoneId zone = ZoneId.of(job.timezone());
        LocalDateTime local = LocalDateTime.ofInstant(after, zone);
        while (true) {
            ZonedDateTime next = cron.next(local.atZone(ZoneOffset.UTC)); // local time, without the zone's gaps and overlaps
            if (next == null) {
                return Optional.empty();
            }
            local = next.toLocalDateTime();
            Instant slot = ZonedDateTime.ofLocal(local, zone, null).toInstant();
            if (slot.isAfter(after)) {
                return Optional.of(slot);
            }
        }
    }

    /** The widest daylight-saving gap a slot can be moved by (the usual one is an hour). */
    private static final Duration WIDEST_GAP = Duration.ofHours(3);

    /**
     * Whether {@code due} is one of the job's slots as its schedule stands now: walked to from before it,
     * since a slot moved by a gap (03:30 for a skipped 02:30) is not the next one after a second before.
     */
    static boolean isSlot(JobRows.Job job, Instant due) {
        Optional<Instant> slot = next(job, due.minus(WIDEST_GAP));
        while (slot.isPresent() && slot.get().isBefore(due)) {
            slot = next(job, slot.get());
        }
        return slot.filter(due::equals).isPresent();
    }

    /**
     * After a job is created or changed: its entry moves to its next slot, or goes while it is paused or
     * unscheduled. An entry under way, or one whose slot has come (waiting for a node, for its tenant's
     * turn, or to be tried again), is left alone: it reads the job when it executes and when it ends, so
     * a slot that came is never lost and a run it started is never left behind.
     */
    void plan(UUID tenant, JobRows.Job job, Instant now) {
        TaskInstanceId id = TaskInstanceId.of(names.tick().getTaskName(), job.id().toString());
        Optional<ScheduledExecution<Object>> entry = scheduler.getScheduledExecution(id);
        if (entry.isPresent() && (entry.get().isPicked() || !due(entry.get()).isAfter(now))) {
            return;
        }
        Optional<Instant> next = next(job, now);
        try {
            if (next.isEmpty()) {
                entry.ifPresent(e -> scheduler.cancel(id));
            } else if (entry.isPresent()) {
                scheduler.reschedule(id, next.get(), new JobQueue.Tick(tenant, job.id(), next.get()));
            } else {
                scheduler.schedule(names.tick().instance(job.id().toString()).data(new JobQueue.Tick(tenant, job.id(), next.get()))
                        .scheduledTo(next.get()));
            }
        } catch (TaskInstanceCurrentlyExecutingException justPicked) {
            // a node took it meanwhile: it reads the job when it ends
        }
    }

    /** The slot a tick stands for (its execution time moves when it steps back or waits to be tried again; its slot does not). */
    private static Instant due(ScheduledExecution<Object> entry) {
        // read as untyped data by the scheduler client: back through the serializer into a tick
        return JobQueue.SERIALIZER.deserialize(JobQueue.Tick.class, JobQueue.SERIALIZER.serialize(entry.getData())).due();
    }

    /** After a job is deleted: its entry goes (one under way, or whose slot has come, finds the job gone). */
    void forget(UUID job) {
        TaskInstanceId id = TaskInstanceId.of(names.tick().getTaskName(), job.toString());
        try {
            scheduler.getScheduledExecution(id).filter(e -> !e.isPicked()).ifPresent(e -> scheduler.cancel(id));
        } catch (TaskInstanceCurrentlyExecutingException justPicked) {
            // a node took it meanwhile: it finds the job gone
        }
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
