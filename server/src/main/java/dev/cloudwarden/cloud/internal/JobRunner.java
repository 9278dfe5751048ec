package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;

/**
 * Executes a job run: checks at execution time that the job still exists and is not paused, opens
 * the run's own STS session (its name carries the run's id; its session policy allows only the job's
 * actions), acts on exactly the resources its tags select in its regions (or, in a dry run, only says
 * what it would do), and records a result per resource, the run's outcome and the activity events,
 * one per resource changed. Snapshots it makes carry {@code cloudwarden:managed=true} and
 * {@code cloudwarden:job=<id>}; retention deletes only those.
 */
@Component
class JobRunner implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    static final String MANAGED_TAG = "cloudwarden:managed";
    static final String JOB_TAG = "cloudwarden:job";

    private final JobRows rows;
    private final CloudAccountRows accounts;
    private final Connections connections;
    private final StsSessions sessions;
    private final AwsAccess aws;
    private final InventorySync inventory;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    JobRunner(JobRows rows, CloudAccountRows accounts, Connections connections, StsSessions sessions, AwsAccess aws, InventorySync inventory,
              ActivityLog activity, TenantContext tenants, TransactionTemplate tx, Clock clock) {
        this.rows = rows;
        this.accounts = accounts;
        this.connections = connections;
        this.sessions = sessions;
        this.aws = aws;
        this.inventory = inventory;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock;
    }

    void start(UUID tenant, UUID job, UUID run) {
        threads.submit(() -> tenants.runAs(tenant, () -> {
            try {
                execute(tenant, job, run);
            } catch (RuntimeException e) {
                log.warn("Job run failed: {}", e.getClass().getName());
                tx.executeWithoutResult(s -> finish(run, job, false, "run_failed", "The run failed. Try again later.", List.of(), null));
            }
        }));
    }

    private record Loaded(JobRows.Job job, JobRows.Run run, Connections.Connection connection) {
    }

    void execute(UUID tenant, UUID jobId, UUID runId) {
        Loaded loaded = tx.execute(s -> {
            JobRows.Job job = rows.find(jobId).orElse(null);
            JobRows.Run run = rows.run(jobId, runId).orElse(null);
            if (job == null || run == null || !run.status().equals("queued")) {
                return null; // deleted with its job or account, or already handled
            }
            if (job.paused()) {
                finish(runId, jobId, false, "job_paused", "The job was paused before the run started.", List.of(), null);
                return null;
            }
            return new Loaded(job, run, connections.of(tenant, job.cloudAccountId()));
        });
        if (loaded == null) {
            return;
        }
        JobDefinition.Type type = JobDefinition.Type.of(loaded.job().type());
        if (type == JobDefinition.Type.INVENTORY_SYNC) {
            syncInventory(loaded);
            return;
        }
        StsSessions.Purpose purpose = switch (type) {
            case STOP_INSTANCES -> StsSessions.Purpose.STOP;
            case START_INSTANCES -> StsSessions.Purpose.START;
            default -> StsSessions.Purpose.SNAPSHOT;
        };
        String name = StsSessions.nameFor(tenant, purpose, runId);
        boolean dryRun = loaded.run().dryRun();
        boolean started = Boolean.TRUE.equals(tx.execute(s -> {
            if (!rows.startRun(runId, name, clock.instant())) {
                return false;
            }
            activity.record(Action.JOB_RUN_STARTED, Jobs.target(jobId), Map.of("dry_run", dryRun, "trigger", loaded.run().trigger(),
                    "role_session_name", name));
            return true;
        }));
        if (!started) {
            return;
        }
        List<JobRows.Result> results = new ArrayList<>();
        AwsErrors.Problem problem = null;
        @SuppressWarnings("unchecked")
        Map<String, String> tags = (Map<String, String>) loaded.job().parameters().getOrDefault("tags", Map.of());
        @SuppressWarnings("unchecked")
        List<String> regions = (List<String>) loaded.job().parameters().getOrDefault("regions", loaded.connection().regions());
        String region = regions.get(0);
        try {
            StsSessions.Session session = sessions.open(loaded.connection().role(), loaded.connection().externalId(), purpose, name);
            for (String r : regions) {
                region = r;
                try (Ec2Client ec2 = aws.ec2(session.credentials(), r)) {
                    switch (type) {
                        case STOP_INSTANCES -> instances(ec2, r, tags, "running", "stop", dryRun, results);
                        case START_INSTANCES -> instances(ec2, r, tags, "stopped", "start", dryRun, results);
                        default -> snapshots(ec2, r, tags, jobId, loaded.job().parameters(), dryRun, results);
                    }
                }
            }
        } catch (SdkException e) {
            problem = AwsErrors.of(e, aws.platformPrincipal(), region);
        }
        AwsErrors.Problem outcome = problem;
        boolean failedResource = results.stream().anyMatch(r -> r.outcome().equals("failed"));
        tx.executeWithoutResult(s -> finish(runId, jobId, outcome == null && !failedResource,
                outcome != null ? outcome.code() : failedResource ? "resource_failed" : null,
                outcome != null ? outcome.message() : failedResource ? "Some resources could not be changed: see their results." : null,
                results, name));
    }

    /** Stops or starts the instances in {@code from} state that carry every tag of the selection. */
    private void instances(Ec2Client ec2, String region, Map<String, String> tags, String from, String action, boolean dryRun,
                           List<JobRows.Result> results) {
        List<Filter> filters = tagFilters(tags);
        filters.add(Filter.builder().name("instance-state-name").values(from).build());
        List<String> ids = new ArrayList<>();
        ec2.describeInstancesPaginator(b -> b.filters(filters).maxResults(1000)).reservations()
                .forEach(r -> r.instances().forEach(i -> ids.add(i.instanceId())));
        for (int i = 0; i < ids.size(); i += 50) {
            List<String> batch = ids.subList(i, Math.min(ids.size(), i + 50));
            if (dryRun) {
                batch.forEach(id -> results.add(new JobRows.Result(id, region, action, "would", null)));
                continue;
            }
            try {
                if (action.equals("stop")) {
                    ec2.stopInstances(b -> b.instanceIds(batch));
                } else {
                    ec2.startInstances(b -> b.instanceIds(batch));
                }
                batch.forEach(id -> results.add(new JobRows.Result(id, region, action, "done", null)));
            } catch (SdkException e) {
                String message = AwsErrors.of(e, aws.platformPrincipal(), region).message();
                batch.forEach(id -> results.add(new JobRows.Result(id, region, action, "failed", message)));
            }
        }
    }

    /** Snapshots each tagged volume, then deletes this job's own snapshots of it beyond the retention. */
    private void snapshots(Ec2Client ec2, String region, Map<String, String> tags, UUID job, Map<String, Object> parameters, boolean dryRun,
                           List<JobRows.Result> results) {
        @SuppressWarnings("unchecked")
        Map<String, Object> retain = (Map<String, Object>) parameters.get("retain");
        Integer keepCount = retain.get("count") instanceof Number n ? n.intValue() : null;
        Integer keepDays = retain.get("days") instanceof Number n ? n.intValue() : null;
        List<Volume> volumes = new ArrayList<>();
        ec2.describeVolumesPaginator(b -> b.filters(tagFilters(tags)).maxResults(500)).volumes().forEach(volumes::add);
        Map<String, List<Snapshot>> own = new LinkedHashMap<>();
        ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").maxResults(1000)
                        .filters(Filter.builder().name("tag:" + JOB_TAG).values(job.toString()).build())).snapshots()
                .forEach(s -> own.computeIfAbsent(s.volumeId(), v -> new ArrayList<>()).add(s));
        Instant now = clock.instant();
        for (Volume volume : volumes) {
            boolean made;
            if (dryRun) {
                results.add(new JobRows.Result(volume.volumeId(), region, "snapshot", "would", null));
                made = true;
            } else {
                try {
                    String id = ec2.createSnapshot(b -> b.volumeId(volume.volumeId()).description("Cloudwarden job " + job)
                            .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT).tags(Tag.builder().key(MANAGED_TAG).value("true").build(),
                                    Tag.builder().key(JOB_TAG).value(job.toString()).build()))).snapshotId();
                    results.add(new JobRows.Result(id, region, "snapshot", "done", null));
                    made = true;
                } catch (SdkException e) {
                    results.add(new JobRows.Result(volume.volumeId(), region, "snapshot", "failed", AwsErrors.of(e, aws.platformPrincipal(), region).message()));
                    made = false;
                }
            }
            // newest first; the one just made counts as the newest
            List<Snapshot> older = new ArrayList<>(own.getOrDefault(volume.volumeId(), List.of()));
            older.sort(Comparator.comparing(Snapshot::startTime).reversed());
            for (int i = 0; i < older.size(); i++) {
                Snapshot s = older.get(i);
                boolean expired = keepCount != null ? i + (made ? 1 : 0) >= keepCount
                        : s.startTime().isBefore(now.minus(Duration.ofDays(keepDays)));
                if (!expired || !made) {
                    continue; // never thin out a volume whose new snapshot failed
                }
                if (dryRun) {
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "would", null));
                    continue;
                }
                try {
                    ec2.deleteSnapshot(b -> b.snapshotId(s.snapshotId()));
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "done", null));
                } catch (SdkException e) {
                    results.add(new JobRows.Result(s.snapshotId(), region, "delete_snapshot", "failed",
                            AwsErrors.of(e, aws.platformPrincipal(), region).message()));
                }
            }
        }
    }

    private static List<Filter> tagFilters(Map<String, String> tags) {
        List<Filter> filters = new ArrayList<>();
        tags.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        return filters;
    }

    /** An inventory_sync job: the account's sync, waited for, its outcome the run's. */
    private void syncInventory(Loaded loaded) {
        UUID runId = loaded.run().id();
        UUID jobId = loaded.job().id();
        boolean started = Boolean.TRUE.equals(tx.execute(s -> rows.startRun(runId, null, clock.instant())));
        if (!started) {
            return;
        }
        String code = null;
        String message = null;
        try {
            inventory.request(loaded.job().cloudAccountId());
            Instant deadline = clock.instant().plus(InventorySync.DEADLINE).plusSeconds(30);
            CloudAccountRows.Sync sync;
            do {
                Thread.sleep(200);
                sync = tx.execute(s -> accounts.find(loaded.job().cloudAccountId()).map(CloudAccountRows.Account::sync).orElse(null));
            } while (sync != null && "running".equals(sync.status()) && clock.instant().isBefore(deadline));
            if (sync == null || !"succeeded".equals(sync.status())) {
                code = sync == null ? "account_gone" : sync.code() == null ? "sync_failed" : sync.code();
                message = sync == null ? "The cloud account was deleted." : sync.message() == null ? "The sync did not finish." : sync.message();
            }
        } catch (ApiProblem busy) {
            code = busy.code();
            message = busy.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = "run_interrupted";
            message = "The run was interrupted. Try again.";
        }
        boolean ok = code == null;
        String c = code;
        String m = message;
        tx.executeWithoutResult(s -> finish(runId, jobId, ok, c, m, List.of(), null));
    }

    /** Records the run's end and its events, in the caller's transaction. */
    private void finish(UUID run, UUID job, boolean ok, String code, String message, List<JobRows.Result> results, String sessionName) {
        if (!rows.finishRun(run, ok ? "succeeded" : code != null && code.equals("job_paused") ? "cancelled" : "failed", code, message,
                clock.instant())) {
            return;
        }
        UUID tenant = tenants.require();
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
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("outcome", ok ? "succeeded" : code != null && code.equals("job_paused") ? "cancelled" : "failed");
        if (code != null) {
            details.put("code", code);
        }
        details.put("resources", results.size());
        if (sessionName != null) {
            details.put("role_session_name", sessionName);
        }
        activity.record(Action.JOB_RUN_FINISHED, Jobs.target(job), details);
    }

    @Override
    public void destroy() {
        threads.shutdownNow();
    }
}
