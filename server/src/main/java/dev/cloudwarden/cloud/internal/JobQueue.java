package dev.cloudwarden.cloud.internal;

import com.github.kagkarlsson.scheduler.boot.autoconfigure.Jackson3Serializer;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerCustomizer;
import com.github.kagkarlsson.scheduler.serializer.Serializer;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.TaskDescriptor;
import com.github.kagkarlsson.scheduler.task.helper.CustomTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The jobs' two kinds of scheduler entries (db-scheduler, docs/adr/0002-a-clustered-scheduler-for-jobs.md),
 * whose data are ids only, as JSON: a job's next scheduled slot ({@link Tick}, one per scheduled job,
 * its id the job's) and a run asked for on demand ({@link RunNow}, its id the run's). Every node polls
 * the same queue; each due entry is executed by one node, and an entry whose node stopped sending
 * heartbeats is taken over by another.
 */
@Configuration(proxyBeanMethods = false)
class JobQueue {

    /** A job's next slot: {@code due} is the time its schedule named, in UTC. */
    record Tick(UUID tenant, UUID job, Instant due) {
    }

    record RunNow(UUID tenant, UUID job, UUID run) {
    }

    /** The entries' names, under this platform's {@code cloudwarden.jobs.queue}. */
    record Names(TaskDescriptor<Tick> tick, TaskDescriptor<RunNow> run) {
    }

    /** Task data as JSON (never Java serialization). */
    static final Serializer SERIALIZER = new Jackson3Serializer();

    @Bean
    Names jobTaskNames(JobSettings settings) {
        return new Names(TaskDescriptor.of(settings.queue() + ".tick", Tick.class), TaskDescriptor.of(settings.queue() + ".run", RunNow.class));
    }

    @Bean
    CustomTask<Tick> jobTickTask(Names names, JobExecutions executions) {
        return Tasks.custom(names.tick()).onFailure(retryLater()).onDeadExecutionRevive()
                .execute((instance, context) -> executions.tick(instance.getData()));
    }

    /** Tried {@value #RUN_RETRIES} times (about two hours), then the run ends as failed instead of staying queued. */
    @Bean
    CustomTask<RunNow> jobRunTask(Names names, JobExecutions executions) {
        return Tasks.custom(names.run())
                .onFailure(new FailureHandler.MaxRetriesFailureHandler<>(RUN_RETRIES, retryLater(),
                        (complete, operations) -> executions.giveUp((RunNow) complete.getExecution().taskInstance.getData())))
                .onDeadExecutionRevive()
                .execute((instance, context) -> executions.run(instance.getData()));
    }

    static final int RUN_RETRIES = 20;

    /**
     * An entry whose execution failed outside its run (the database away, a key service down) is tried
     * again 5 s later, then half as long again each time, at most 10 minutes apart.
     */
    private static <T> FailureHandler<T> retryLater() {
        return (complete, operations) -> {
            double wait = 5 * Math.pow(1.5, complete.getExecution().consecutiveFailures);
            operations.reschedule(complete, complete.getTimeDone().plusSeconds((long) Math.min(600, wait)));
        };
    }

    /** Task data as JSON (never Java serialization); executions on virtual threads, as many as db-scheduler.threads. */
    @Bean
    DbSchedulerCustomizer jobSchedulerCustomizer() {
        return new DbSchedulerCustomizer() {
            @Override
            public Optional<Serializer> serializer() {
                return Optional.of(SERIALIZER);
            }

            @Override
            public Optional<ExecutorService> executorService() {
                return Optional.of(Executors.newVirtualThreadPerTaskExecutor());
            }
        };
    }

    /** The scheduler tells time by the platform's clock (tests move it to reach a job's slot). */
    @Bean("dbSchedulerClock")
    com.github.kagkarlsson.scheduler.Clock dbSchedulerClock(Clock clock) {
        return clock::instant;
    }
}
