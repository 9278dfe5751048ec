package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;

/**
 * Executes a job run to its end, in the calling thread (a scheduler execution, {@link JobExecutions}):
 * checks at execution time that the job still exists and is not paused, opens the run's own STS
 * session (its name carries the run's id; its session policy allows only the job's actions), acts on
 * exactly the resources its tags select in its regions (or, in a dry run, only says what it would do),
 * and records a result per resource, each change with its activity event, with the run's outcome (a
 * long run records them every {@link #CHECKPOINT_EVERY} on the way).
 *
 * <p>Executed again (its node died, or stopped mid-run), a run resumes where AWS's state shows it
 * stopped: stop and start select only instances still in the state they act on, and a volume already
 * carrying this run's snapshot ({@code cloudwarden:run=<id>}) is not snapshotted twice; results the
 * stopped attempt had not recorded yet are not shown, while AWS's state and CloudTrail have the changes. A run has
 * {@link #MAX_ATTEMPTS} attempts; then it ends as failed with the reason. Snapshots it makes carry
 * {@code cloudwarden:managed=true} and {@code cloudwarden:job=<id>}; retention deletes only those.
 */
@Component
class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    static final String MANAGED_TAG = "cloudwarden:managed";
    static final String JOB_TAG = "cloudwarden:job";
    static final String RUN_TAG = "cloudwarden:run";
    static final int MAX_ATTEMPTS = 3;
    static final String SUBSCRIPTION_ENDED = "subscription_ended";
    /** Results a run keeps before it records them (and their events) ahead of its end: a short run needs two transactions. */
    static final int CHECKPOINT_EVERY = 100;

    private final JobRows rows;
    private final Connections connections;
    private final StsSessions sessions;
    private final AwsAccess aws;
    private final InventorySync inventory;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final DatabaseTurns turns;
    private final Clock clock;
    /** Runs under way on this node, by account: deleting the account interrupts them. */
    private final Map<UUID, Set<Thread>> underWay = new ConcurrentHashMap<>();

    JobRunner(JobRows rows, Connections connections, StsSessions sessions, AwsAccess aws, InventorySync inventory, ActivityLog activity,
              TenantContext tenants, TransactionTemplate tx, DatabaseTurns turns, Clock clock) {
        this.rows = rows;
        this.connections = connections;
        this.sessions = sessions;
        this.aws = aws;
        this.inventory = inventory;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.turns = turns;
        this.clock = clock;
    }

    /** The run was interrupted (its account deleted, or this node stopping): the scheduler retries it, or finds it gone. */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("job run interrupted", null, false, false);
        }
    }

    /** The run is no longer under way (it ended on another node, or went with its job or account): this execution stops acting. */
    private static final class Gone extends RuntimeException {
        Gone() {
            super("job run gone", null, false, false);
        }
    }

    private record Start(JobRows.Job job, JobRows.Run run, Connections.Connection connection, String sessionName) {
    }

    /** Executes an on-demand run, with its tenant in scope; safe to call again for the same run (see above). */
    void execute(UUID jobId, UUID runId) {
        UUID tenant = tenants.require();
        Start start = turns.inTurn(() -> tx.execute(s -> rows.find(jobId).map(job -> begin(tenant, job, runId)).orElse(null)));
        if (start != null) {
            underWay(tenant, start);
        }
    }

    /**
     * A slot of the job's schedule, with its tenant in scope: in one transaction, checks that the job
     * still exists, is not paused and still has this slot, records the slot's run once (its id follows
     * from the job and the slot, so a slot executed again finds its run) and starts or resumes it, or
     * records it as missed; then executes it. Answers the job as it stands afterwards, for its next slot
     * (empty when it was deleted).
     */
    Optional<JobRows.Job> runSlot(UUID jobId, Instant due, boolean missed) {
        UUID tenant = tenants.require();
        UUID runId = scheduledRunId(jobId, due);
        record Slot(JobRows.Job job, Start start) {
        }
        Slot slot = turns.inTurn(() -> tx.execute(s -> {
            JobRows.Job job = rows.find(jobId).orElse(null);
            if (job == null) {
                return new Slot(null, null);
            }
            Optional<JobRows.Run> run = rows.run(jobId, runId);
            if (!rows.tenantActive()) {
                // the subscription ended: nothing runs, and the tick goes (renewal plans the jobs again)
                run.filter(JobRunner::underWayOrQueued).ifPresent(r -> end(runId, jobId, "cancelled",
                        SUBSCRIPTION_ENDED, "The organisation's subscription has ended.", r.roleSessionName(), rows.resultCounts(runId)[0]));
                return new Slot(null, null);
            }
            if (job.paused() || !JobSchedules.isSlot(job, due)) {
                // an attempt of this slot's run may have begun before the change: it ends, never left running
                run.filter(JobRunner::underWayOrQueued).ifPresent(r -> end(runId, jobId, "cancelled",
                        job.paused() ? "job_paused" : "schedule_changed", job.paused() ? "The job was paused before the run finished."
                                : "The job's schedule changed before the run finished.", r.roleSessionName(), rows.resultCounts(runId)[0]));
                return new Slot(job, null);
            }
            if (run.isEmpty()) {
                rows.insertScheduledRun(runId, tenant, jobId, due);
                if (missed) {
                    end(runId, jobId, "cancelled", "missed", "The platform could not start this run at its scheduled time; it was skipped.", null, 0);
                    return new Slot(job, null);
                }
            }
            return new Slot(job, begin(tenant, job, runId)); // a run an earlier attempt began resumes, however late
        }));
        if (slot.job() == null || slot.start() == null) {
            return Optional.ofNullable(slot.job());
        }
        return underWay(tenant, slot.start());
    }

    private static boolean underWayOrQueued(JobRows.Run run) {
        return run.status().equals("queued") || run.status().equals("running");
    }

    /** The run of a job's slot: the same on every node and every attempt. */
    static UUID scheduledRunId(UUID job, Instant due) {
        return UUID.nameUUIDFromBytes((job + "@" + due).getBytes(StandardCharsets.UTF_8));
    }

    /** Acts, registered as under way on its account; the job as it stands after the run (empty when it went meanwhile). */
    private Optional<JobRows.Job> underWay(UUID tenant, Start start) {
        UUID account = start.job().cloudAccountId();
        underWay.computeIfAbsent(account, a -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread());
        Optional<JobRows.Job> after;
        try {
            after = act(tenant, start);
        } catch (Gone gone) {
            // its run ended elsewhere (a node that stalled and came back) or went with the job: the job as it stands
            after = turns.inTurn(() -> tx.execute(s -> rows.find(start.job().id())));
        } finally {
            underWay.computeIfPresent(account, (a, threads) -> {
                threads.remove(Thread.currentThread());
                return threads.isEmpty() ? null : threads;
            });
        }
        if (Thread.interrupted()) {
            throw new Interrupted();
        }
        return after;
    }

    /** Ends a run the scheduler gave up on (its execution kept failing outside the run); best effort, the database may be away. */
    void giveUp(UUID jobId, UUID runId) {
        try {
            turns.inTurn(() -> tx.execute(s -> {
                end(runId, jobId, "failed", "run_failed", "The run could not be carried out. Try again later.", null, rows.resultCounts(runId)[0]);
                return null;
            }));
        } catch (RuntimeException e) {
            log.warn("Could not record the end of a job run the scheduler gave up on: {}", e.getClass().getName());
        }
    }

    /**
     * The subscription ended, in its transaction: every queued run and every run under way ends
     * cancelled; one under way here is interrupted, elsewhere it stops at its next write.
     */
    void cancelAll(List<UUID> accounts) {
        for (UUID[] run : rows.openRuns()) {
            end(run[0], run[1], "cancelled", SUBSCRIPTION_ENDED, "The organisation's subscription has ended.", null, rows.resultCounts(run[0])[0]);
        }
        accounts.forEach(this::cancel);
    }

    /** Interrupts the runs of a deleted account under way on this node (elsewhere they find their rows gone at the next change). */
    void cancel(UUID account) {
        Set<Thread> threads = underWay.get(account);
        if (threads != null) {
            threads.forEach(Thread::interrupt);
        }
    }

    /** Starts the run in the caller's transaction (null when it is not to run), with the checks at execution time. */
    private Start begin(UUID tenant, JobRows.Job job, UUID runId) {
        UUID jobId = job.id();
        JobRows.Run run = rows.run(jobId, runId).orElse(null);
        if (run == null || !underWayOrQueued(run)) {
            return null; // deleted with its job or account, or already ended
        }
        if (!rows.tenantActive()) {
            end(runId, jobId, "cancelled", SUBSCRIPTION_ENDED, "The organisation's subscription has ended.", run.roleSessionName(),
                    rows.resultCounts(runId)[0]);
            return null;
        }
        if (job.paused()) {
            end(runId, jobId, "cancelled", "job_paused", "The job was paused before the run started.", null, 0);
            return null;
        }
        JobDefinition.Type type = JobDefinition.Type.of(job.type());
        String name = type == JobDefinition.Type.INVENTORY_SYNC ? null : StsSessions.nameFor(tenant, purpose(type), runId);
        Optional<Integer> attempt = rows.startRun(runId, name, MAX_ATTEMPTS, clock.instant());
        if (attempt.isEmpty()) {
            end(runId, jobId, "failed", "run_lost", "The run was interrupted " + MAX_ATTEMPTS
                    + " times (the server running it stopped). Check its results, then run it again.", name, rows.resultCounts(runId)[0]);
            return null;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dry_run", run.dryRun());
        details.put("trigger", run.trigger());
        if (name != null) {
            details.put("role_session_name", name);
        }
        if (attempt.get() > 1) {
            details.put("attempt", attempt.get());
        }
        activity.record(Action.JOB_RUN_STARTED, Jobs.target(jobId), details);
        return new Start(job, run, connections.of(tenant, job.cloudAccountId()), name);
    }

    private static StsSessions.Purpose purpose(JobDefinition.Type type) {
        return switch (type) {
            case STOP_INSTANCES -> StsSessions.Purpose.STOP;
            case START_INSTANCES -> StsSessions.Purpose.START;
            case SNAPSHOT_VOLUMES -> StsSessions.Purpose.SNAPSHOT;
            case INVENTORY_SYNC -> StsSessions.Purpose.SYNC;
        };
    }

    private Optional<JobRows.Job> act(UUID tenant, Start start) {
        JobDefinition.Type type = JobDefinition.Type.of(start.job().type());
        UUID runId = start.run().id();
        UUID jobId = start.job().id();
        if (type == JobDefinition.Type.INVENTORY_SYNC) {
            return syncInventory(start);
        }
        boolean dryRun = start.run().dryRun();
        List<JobRows.Result> pending = new ArrayList<>();
        Consumer<List<JobRows.Result>> done = batch -> {
            pending.addAll(batch);
            if (pending.size() >= CHECKPOINT_EVERY) {
                checkpoint(tenant, runId, jobId, List.copyOf(pending));
                pending.clear();
            }
        };
        AwsErrors.Problem problem = null;
        @SuppressWarnings("unchecked")
        Map<String, String> tags = (Map<String, String>) start.job().parameters().getOrDefault("tags", Map.of());
        @SuppressWarnings("unchecked")
        List<String> regions = (List<String>) start.job().parameters().getOrDefault("regions", start.connection().regions());
        String region = regions.get(0);
        try {
            StsSessions.Session session = sessions.open(start.connection().role(), start.connection().externalId(), purpose(type), start.sessionName());
            for (String r : regions) {
                region = r;
                AwsAccess.Ec2Session ec2 = aws.ec2(session.credentials(), r);
                switch (type) {
                    case STOP_INSTANCES -> instances(ec2, r, tags, "running", "stop", dryRun, done);
                    case START_INSTANCES -> instances(ec2, r, tags, "stopped", "start", dryRun, done);
                    default -> snapshots(ec2, r, tags, jobId, runId, start.job().parameters(), dryRun, done);
                }
            }
        } catch (SdkException e) {
            if (Thread.interrupted()) {
                // the SDK gave up because this thread was interrupted: keep what was done, then give the run back (see underWay)
                try {
                    if (!pending.isEmpty()) {
                        checkpoint(tenant, runId, jobId, pending);
                    }
                } catch (RuntimeException notRecorded) {
                    // the next attempt resumes from AWS's state either way
                } finally {
                    Thread.currentThread().interrupt();
                }
                return Optional.empty();
            }
            problem = AwsErrors.of(e, aws.platformPrincipal(), region);
        }
        AwsErrors.Problem outcome = problem;
        return turns.inTurn(() -> tx.execute(s -> {
            if (!rows.running(runId)) {
                return rows.find(jobId); // ended elsewhere (taken over), or gone with its job
            }
            record(tenant, runId, jobId, pending);
            int[] counts = rows.resultCounts(runId);
            boolean failedResource = counts[1] > 0;
            end(runId, jobId, outcome == null && !failedResource ? "succeeded" : "failed",
                    outcome != null ? outcome.code() : failedResource ? "resource_failed" : null,
                    outcome != null ? outcome.message() : failedResource ? "Some resources could not be changed: see their results." : null,
                    start.sessionName(), counts[0]);
            return rows.find(jobId);
        }));
    }

    /** Records results during a long run, every {@link #CHECKPOINT_EVERY}; stops the run when its rows are gone. */
    private void checkpoint(UUID tenant, UUID run, UUID job, List<JobRows.Result> batch) {
        turns.inTurn(() -> tx.execute(s -> {
            if (!rows.running(run)) {
                throw new Gone();
            }
            record(tenant, run, job, batch);
            return null;
        }));
    }

    /** Results, each change with its activity event, in the caller's transaction. */
    private void record(UUID tenant, UUID run, UUID job, List<JobRows.Result> results) {
        rows.insertResults(tenant, run, results);
        for (JobRows.Result r : results) {
            if (!r.outcome().equals("done")) {
                continue;
            }
            Action action = switch (r.action()) {
                case "stop" -> Action.INSTANCE_STOPPED;
                case "start" -> Action.INSTANCE_STARTED;
                case "snapshot" -> Action.SNAPSHOT_CREATED;
                default -> Action.SNAPSHOT_DELETED;
            };
            String type = r.resourceId().startsWith("i-") ? "instance" : "snapshot";
            activity.record(action, new Target(type, r.resourceId()), Map.of("region", r.region(), "job", job.toString(), "run", run.toString()));
        }
    }

    /** Stops or starts the instances in {@code from} state that carry every tag of the selection, 50 per call. */
    private void instances(AwsAccess.Ec2Session ec2, String region, Map<String, String> tags, String from, String action, boolean dryRun,
                           Consumer<List<JobRows.Result>> done) {
        List<Filter> filters = tagFilters(tags);
        filters.add(Filter.builder().name("instance-state-name").values(from).build());
        List<String> ids = new ArrayList<>();
        ec2.client().describeInstancesPaginator(b -> b.overrideConfiguration(ec2.signedAs()).filters(filters).maxResults(1000)).reservations()
                .forEach(r -> r.instances().forEach(i -> ids.add(i.instanceId())));
        for (int i = 0; i < ids.size(); i += 50) {
            List<String> batch = ids.subList(i, Math.min(ids.size(), i + 50));
            if (dryRun) {
                done.accept(batch.stream().map(id -> new JobRows.Result(id, region, action, "would", null)).toList());
                continue;
            }
            String outcome = "done";
            String message = null;
            try {
                if (action.equals("stop")) {
                    ec2.client().stopInstances(b -> b.overrideConfiguration(ec2.signedAs()).instanceIds(batch));
                } else {
                    ec2.client().startInstances(b -> b.overrideConfiguration(ec2.signedAs()).instanceIds(batch));
                }
            } catch (SdkException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                outcome = "failed";
                message = AwsErrors.of(e, aws.platformPrincipal(), region).message();
            }
            String o = outcome;
            String m = message;
            done.accept(batch.stream().map(id -> new JobRows.Result(id, region, action, o, m)).toList());
        }
    }

    /**
     * Snapshots each tagged volume, then deletes this job's own snapshots of it beyond the retention.
     * A volume that already has this run's snapshot (an earlier attempt made it) is not snapshotted again.
     */
    private void snapshots(AwsAccess.Ec2Session ec2, String region, Map<String, String> tags, UUID job, UUID run, Map<String, Object> parameters,
                           boolean dryRun, Consumer<List<JobRows.Result>> done) {
        @SuppressWarnings("unchecked")
        Map<String, Object> retain = (Map<String, Object>) parameters.get("retain");
        Integer keepCount = retain.get("count") instanceof Number n ? n.intValue() : null;
        Integer keepDays = retain.get("days") instanceof Number n ? n.intValue() : null;
        List<Volume> volumes = new ArrayList<>();
        ec2.client().describeVolumesPaginator(b -> b.overrideConfiguration(ec2.signedAs()).filters(tagFilters(tags)).maxResults(500)).volumes().forEach(volumes::add);
        Map<String, List<Snapshot>> own = new LinkedHashMap<>();
        ec2.client().describeSnapshotsPaginator(b -> b.overrideConfiguration(ec2.signedAs()).ownerIds("self").maxResults(1000)
                        .filters(Filter.builder().name("tag:" + JOB_TAG).values(job.toString()).build())).snapshots()
                .forEach(s -> own.computeIfAbsent(s.volumeId(), v -> new ArrayList<>()).add(s));
        Instant now = clock.instant();
        for (Volume volume : volumes) {
            List<JobRows.Result> results = new ArrayList<>();
            List<Snapshot> older = new ArrayList<>(own.getOrDefault(volume.volumeId(), List.of()));
            boolean madeBefore = older.removeIf(s -> s.tags().stream().anyMatch(t -> t.key().equals(RUN_TAG) && t.value().equals(run.toString())));
            boolean made = madeBefore;
            if (madeBefore) {
                // an earlier attempt of this run made it and recorded it; only retention may be left to do
            } else if (dryRun) {
                results.add(new JobRows.Result(volume.volumeId(), region, "snapshot", "would", null));
                made = true;
            } else {
                try {
                    String id = ec2.client().createSnapshot(b -> b.overrideConfiguration(ec2.signedAs()).volumeId(volume.volumeId()).description("Cloudwarden job " + job)
                            .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT).tags(Tag.builder().key(MANAGED_TAG).value("true").build(),
                                    Tag.builder().key(JOB_TAG).value(job.toString()).build(), Tag.builder().key(RUN_TAG).value(run.toString()).build())))
                            .snapshotId();
                    results.add(new JobRows.Result(id, region, "snapshot", "done", null));
                    made = true;
                } catch (SdkException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    results.add(new JobRows.Result(volume.volumeId(), region, "snapshot", "failed", AwsErrors.of(e, aws.platformPrincipal(), region).message()));
                }
            }
            // newest first; the one this run made counts as the newest
            older.sort(Comparator.comparing(Snapshot::startTime).reversed());
            for (int i = 0; made && i < older.size(); i++) { // never thin out a volume whose new snapshot failed
                Snapshot s = older.get(i);
                boolean expired = keepCount != null ? i + 1 >= keepCount : s.startTime().isBefore(now.minus(Duration.ofDays(keepDays)));
                if (!expired) {
                    continue;
                }
                if (dryRun) {
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "would", null));
                    continue;
                }
                try {
                    ec2.client().deleteSnapshot(b -> b.overrideConfiguration(ec2.signedAs()).snapshotId(s.snapshotId()));
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "done", null));
                } catch (SdkException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "failed",
                            AwsErrors.of(e, aws.platformPrincipal(), region).message()));
                }
            }
            if (!results.isEmpty()) {
                done.accept(results);
            }
        }
    }

    private static List<Filter> tagFilters(Map<String, String> tags) {
        List<Filter> filters = new ArrayList<>();
        tags.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        return filters;
    }

    /** An inventory_sync job: the account's sync, in this thread; its outcome is the run's. */
    private Optional<JobRows.Job> syncInventory(Start start) {
        UUID runId = start.run().id();
        UUID jobId = start.job().id();
        String code = null;
        String message = null;
        try {
            CloudAccountRows.Sync sync = inventory.syncNow(start.job().cloudAccountId());
            if (sync == null) {
                throw new Gone();
            }
            if (!"succeeded".equals(sync.status())) {
                code = sync.code() == null ? "sync_failed" : sync.code();
                message = sync.message() == null ? "The sync did not finish." : sync.message();
            }
        } catch (ApiProblem refused) {
            if (refused.status() == HttpStatus.NOT_FOUND) {
                throw new Gone();
            }
            code = refused.code();
            message = refused.getMessage();
        }
        if (Thread.currentThread().isInterrupted()) {
            return Optional.empty(); // see underWay: the scheduler runs it again, with a new sync
        }
        String c = code;
        String m = message;
        return turns.inTurn(() -> tx.execute(s -> {
            end(runId, jobId, c == null ? "succeeded" : "failed", c, m, null, 0);
            return rows.find(jobId);
        }));
    }

    /** Records the run's end and its event, in the caller's transaction; nothing when it has already ended. */
    private void end(UUID run, UUID job, String status, String code, String message, String sessionName, int resources) {
        if (!rows.finishRun(run, status, code, message, clock.instant())) {
            return;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("outcome", status);
        if (code != null) {
            details.put("code", code);
        }
        details.put("resources", resources);
        if (sessionName != null) {
            details.put("role_session_name", sessionName);
        }
        activity.record(Action.JOB_RUN_FINISHED, Jobs.target(job), details);
    }
}
