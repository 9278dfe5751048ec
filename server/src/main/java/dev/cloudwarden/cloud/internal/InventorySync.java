package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Tag;
import tools.jackson.databind.json.JsonMapper;

/**
 * An inventory sync: one STS session (purpose sync, read-only session policy), every region of the
 * account at once on virtual threads (instances, volumes and the account's own snapshots, all pages),
 * then one transaction that replaces the account's inventory and records the outcome with the
 * session's name. At most {@code cloudwarden.cloud.sync-concurrency} accounts sync at once on a node;
 * no database connection is held while AWS answers.
 */
@Component
class InventorySync implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(InventorySync.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** A sync still marked running after this long died with its node; a new one may start. */
    static final Duration STALE = Duration.ofMinutes(15);

    record Resource(String kind, String id, String region, String type, String state, Map<String, String> tags, Instant createdAt,
                    Map<String, Object> details) {
    }

    private record Key(UUID tenant, UUID account) {
    }

    private final CloudAccountRows rows;
    private final Connections connections;
    private final StsSessions sessions;
    private final AwsAccess aws;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final Semaphore permits;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Key, Future<?>> running = new ConcurrentHashMap<>();

    InventorySync(CloudAccountRows rows, Connections connections, StsSessions sessions, AwsAccess aws, ActivityLog activity,
                  TenantContext tenants, TransactionTemplate tx, JdbcTemplate jdbc, Clock clock, CloudSettings settings) {
        this.rows = rows;
        this.connections = connections;
        this.sessions = sessions;
        this.aws = aws;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.jdbc = jdbc;
        this.clock = clock;
        this.permits = new Semaphore(settings.syncConcurrency());
    }

    /** Starts a sync of an account of the tenant in scope (202); 409 while one is running. */
    CloudAccountRows.Sync request(UUID account) {
        UUID tenant = tenants.require();
        return tx.execute(s -> {
            rows.find(account).orElseThrow(ApiProblem::notFound);
            Instant now = clock.instant();
            if (!rows.startSync(account, now, now.minus(STALE))) {
                throw ApiProblem.conflict("sync_running", "A sync of this account is already running.");
            }
            activity.record(Action.CLOUD_ACCOUNT_SYNC_STARTED, CloudAccounts.target(account));
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    Key key = new Key(tenant, account);
                    running.put(key, threads.submit(() -> {
                        try {
                            tenants.runAs(tenant, () -> runOrFail(tenant, account));
                        } finally {
                            running.remove(key);
                        }
                    }));
                }
            });
            return rows.find(account).orElseThrow().sync();
        });
    }

    /** Stops a running sync of a deleted account: its results would have nowhere to go. */
    void cancel(UUID tenant, UUID account) {
        Future<?> future = running.remove(new Key(tenant, account));
        if (future != null) {
            future.cancel(true);
        }
    }

    /** A failure outside AWS (the database, a bug) still ends the sync, as failed, instead of leaving it running. */
    private void runOrFail(UUID tenant, UUID account) {
        try {
            run(tenant, account);
        } catch (RuntimeException e) {
            log.warn("Inventory sync failed: {}", e.getClass().getName());
            try {
                finish(account, List.of(), new AwsErrors.Problem("sync_failed", "The sync failed. Try again later."), null);
            } catch (RuntimeException again) {
                log.warn("Could not record a failed inventory sync: {}", again.getClass().getName());
            }
        }
    }

    private void run(UUID tenant, UUID account) {
        record Loaded(Connections.Connection connection, List<String> regions) {
        }
        Loaded loaded;
        try {
            loaded = tx.execute(s -> new Loaded(connections.of(tenant, account), rows.find(account).orElseThrow().regions()));
        } catch (ApiProblem gone) {
            return; // deleted before it started
        }
        String name = StsSessions.newName(tenant, StsSessions.Purpose.SYNC);
        List<Resource> found = new ArrayList<>();
        AwsErrors.Problem problem = null;
        String sessionName = name;
        try {
            permits.acquire();
            try {
                StsSessions.Session session = sessions.open(tenant, account, loaded.connection().role(), loaded.connection().externalId(),
                        StsSessions.Purpose.SYNC, name, false);
                sessionName = session.roleSessionName();
                problem = collect(session, loaded.regions(), found);
                if (problem != null && problem.code().equals("session_expired")) {
                    // a cached session AWS no longer honours: forget it and try once with a new one
                    sessions.forget(tenant, account);
                    found.clear();
                    session = sessions.open(tenant, account, loaded.connection().role(), loaded.connection().externalId(),
                            StsSessions.Purpose.SYNC, name, true);
                    sessionName = session.roleSessionName();
                    problem = collect(session, loaded.regions(), found);
                }
            } finally {
                permits.release();
            }
        } catch (SdkException e) {
            problem = AwsErrors.of(e, aws.platformPrincipal(), loaded.regions().get(0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // cancelled: the account is gone
        }
        finish(account, found, problem, sessionName);
    }

    /** Every region at once; the first failure (in region order) is the answer. */
    private AwsErrors.Problem collect(StsSessions.Session session, List<String> regions, List<Resource> found) throws InterruptedException {
        List<Future<List<Resource>>> futures = new ArrayList<>();
        for (String region : regions) {
            futures.add(threads.submit(() -> region(session, region)));
        }
        AwsErrors.Problem problem = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                found.addAll(futures.get(i).get());
            } catch (ExecutionException e) {
                if (problem == null) {
                    problem = e.getCause() instanceof SdkException sdk ? AwsErrors.of(sdk, aws.platformPrincipal(), regions.get(i))
                            : new AwsErrors.Problem("sync_failed", "The sync failed. Try again later.");
                    if (!(e.getCause() instanceof SdkException)) {
                        log.warn("Inventory sync failed: {}", e.getCause().getClass().getName());
                    }
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                throw e;
            }
        }
        return problem;
    }

    private List<Resource> region(StsSessions.Session session, String region) {
        List<Resource> out = new ArrayList<>();
        try (Ec2Client ec2 = aws.ec2(session.credentials(), region)) {
            ec2.describeInstancesPaginator(b -> b.maxResults(1000)).reservations().forEach(r -> r.instances().forEach(i ->
                    out.add(new Resource("instance", i.instanceId(), region, i.instanceTypeAsString(), i.state().nameAsString(), tags(i.tags()),
                            i.launchTime(), Map.of()))));
            ec2.describeVolumesPaginator(b -> b.maxResults(500)).volumes().forEach(v -> {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("sizeGiB", v.size());
                if (!v.attachments().isEmpty()) {
                    details.put("instanceId", v.attachments().get(0).instanceId());
                }
                out.add(new Resource("volume", v.volumeId(), region, v.volumeTypeAsString(), v.stateAsString(), tags(v.tags()), v.createTime(),
                        details));
            });
            ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").maxResults(1000)).snapshots().forEach(s ->
                    out.add(new Resource("snapshot", s.snapshotId(), region, null, s.stateAsString(), tags(s.tags()), s.startTime(),
                            s.volumeId() == null ? Map.of() : Map.of("volumeId", s.volumeId()))));
        }
        return out;
    }

    private void finish(UUID account, List<Resource> found, AwsErrors.Problem problem, String sessionName) {
        Instant now = clock.instant();
        tx.executeWithoutResult(s -> {
            boolean ok = problem == null;
            if (!rows.finishSync(account, ok ? "succeeded" : "failed", ok ? null : problem.code(), ok ? null : problem.message(), sessionName,
                    now)) {
                return; // deleted meanwhile: nothing to record
            }
            if (ok) {
                jdbc.update("delete from cloud_resources where account_id = ?", account);
                UUID tenant = tenants.require();
                jdbc.batchUpdate("""
                                insert into cloud_resources (tenant_id, account_id, kind, region, resource_id, type, state, tags, details,
                                                             created_at, synced_at)
                                values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)""", found, 500, (ps, r) -> {
                    ps.setObject(1, tenant);
                    ps.setObject(2, account);
                    ps.setString(3, r.kind());
                    ps.setString(4, r.region());
                    ps.setString(5, r.id());
                    ps.setString(6, r.type());
                    ps.setString(7, r.state());
                    ps.setString(8, JSON.writeValueAsString(r.tags()));
                    ps.setString(9, JSON.writeValueAsString(r.details()));
                    ps.setTimestamp(10, r.createdAt() == null ? null : Timestamp.from(r.createdAt()));
                    ps.setTimestamp(11, Timestamp.from(now));
                });
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("outcome", ok ? "succeeded" : "failed");
            if (ok) {
                details.put("instances", found.stream().filter(r -> r.kind().equals("instance")).count());
                details.put("volumes", found.stream().filter(r -> r.kind().equals("volume")).count());
                details.put("snapshots", found.stream().filter(r -> r.kind().equals("snapshot")).count());
            } else {
                details.put("code", problem.code());
            }
            details.put("role_session_name", sessionName);
            activity.record(Action.CLOUD_ACCOUNT_SYNCED, CloudAccounts.target(account), details);
        });
    }

    private static Map<String, String> tags(List<Tag> tags) {
        Map<String, String> out = new LinkedHashMap<>();
        tags.forEach(t -> out.put(t.key(), t.value()));
        return out;
    }

    @Override
    public void destroy() {
        threads.shutdownNow();
    }
}
