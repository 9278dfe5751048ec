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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.model.Tag;
import tools.jackson.databind.json.JsonMapper;

/**
 * An inventory sync run: its own STS session (purpose sync, read-only session policy), every region
 * of the account at once on virtual threads (instances, volumes and the account's own snapshots, all
 * pages), then one transaction that replaces the account's inventory and records the outcome with the
 * session's name. Each run has an id: only the run that started the sync may finish it, so a run
 * taken over as stale can never write over its successor. A run ends, one way or another, within
 * {@link #DEADLINE}.
 *
 * <p>Under load: at most {@code cloudwarden.cloud.sync-concurrency} runs are under way on a node (a run
 * holds its turn from its first read to its last write), no database connection is held while AWS
 * answers, and the runs' own transactions take turns (a quarter of the pool at most) so they never
 * queue past the pool's wait and leave requests no connection. Recording the end is retried, so a
 * busy moment does not leave a sync marked running.
 */
@Component
class InventorySync implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(InventorySync.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The longest a run may take, waiting for its turn included; it then ends as failed. */
    static final Duration DEADLINE = Duration.ofMinutes(10);
    /** A sync still marked running after this long died with its node (longer than {@link #DEADLINE}): a new one may start. */
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
    private final DatabaseTurns turns;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Key, Future<?>> running = new ConcurrentHashMap<>();

    InventorySync(CloudAccountRows rows, Connections connections, StsSessions sessions, AwsAccess aws, ActivityLog activity,
                  TenantContext tenants, TransactionTemplate tx, JdbcTemplate jdbc, Clock clock, CloudSettings settings,
                  DatabaseTurns turns) {
        this.rows = rows;
        this.connections = connections;
        this.sessions = sessions;
        this.aws = aws;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.jdbc = jdbc;
        this.clock = clock;
        this.permits = new Semaphore(settings.syncConcurrency(), true);
        this.turns = turns;
    }

    /** Starts a sync of an account of the tenant in scope (202); 409 while one is running. */
    CloudAccountRows.Sync request(UUID account) {
        UUID tenant = tenants.require();
        UUID run = UUID.randomUUID();
        return tx.execute(s -> {
            begin(account, run);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    start(tenant, account, run);
                }
            });
            return rows.find(account).orElseThrow().sync();
        });
    }

    /** A sync for a job run, in the calling thread: its end as recorded (404 when the account is gone, 409 while another runs). */
    CloudAccountRows.Sync syncNow(UUID account) {
        UUID tenant = tenants.require();
        UUID run = UUID.randomUUID();
        turns.inTurn(() -> tx.execute(s -> {
            begin(account, run);
            return null;
        }));
        runOrFail(tenant, account, run);
        return turns.inTurn(() -> tx.execute(s -> rows.find(account).map(CloudAccountRows.Account::sync).orElse(null)));
    }

    private void begin(UUID account, UUID run) {
        rows.find(account).orElseThrow(ApiProblem::notFound);
        Instant now = clock.instant();
        if (!rows.startSync(account, run, now, now.minus(STALE))) {
            throw ApiProblem.conflict("sync_running", "A sync of this account is already running.");
        }
        activity.record(Action.CLOUD_ACCOUNT_SYNC_STARTED, CloudAccounts.target(account));
    }

    private void start(UUID tenant, UUID account, UUID run) {
        Key key = new Key(tenant, account);
        Future<?>[] self = new Future<?>[1];
        synchronized (self) {
            self[0] = threads.submit(() -> {
                try {
                    tenants.runAs(tenant, () -> runOrFail(tenant, account, run));
                } finally {
                    synchronized (self) {
                        running.remove(key, self[0]);
                    }
                }
            });
            Future<?> previous = running.put(key, self[0]);
            if (previous != null) {
                previous.cancel(true); // a run taken over as stale: it could not finish anyway
            }
        }
    }

    /** Stops a running sync of a deleted account on this node: its results would have nowhere to go. */
    void cancel(UUID tenant, UUID account) {
        Future<?> future = running.remove(new Key(tenant, account));
        if (future != null) {
            future.cancel(true);
        }
    }

    /**
     * Runs with a turn ({@link #permits}) from its first read to its last write. A failure outside AWS
     * (the database, a bug) still ends the run, as failed, instead of leaving it running.
     */
    private void runOrFail(UUID tenant, UUID account, UUID run) {
        Instant deadline = clock.instant().plus(DEADLINE);
        try {
            if (!permits.tryAcquire(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                finish(account, run, List.of(), new AwsErrors.Problem("sync_timeout", "The sync did not start within "
                        + DEADLINE.toMinutes() + " minutes: this server is busy. Try again later."), null);
                return;
            }
        } catch (InterruptedException e) {
            finish(account, run, List.of(), INTERRUPTED, null);
            return;
        }
        try {
            run(tenant, account, run, deadline);
        } catch (RuntimeException e) {
            log.warn("Inventory sync failed: {}", e.getClass().getName());
            finish(account, run, List.of(), new AwsErrors.Problem("sync_failed", "The sync failed. Try again later."), null);
        } finally {
            permits.release();
        }
    }

    private static final AwsErrors.Problem INTERRUPTED = new AwsErrors.Problem("sync_interrupted", "The sync was interrupted. Try again.");

    private void run(UUID tenant, UUID account, UUID run, Instant deadline) {
        Connections.Connection connection;
        try {
            connection = turns.inTurn(() -> tx.execute(s -> connections.of(tenant, account)));
        } catch (ApiProblem gone) {
            return; // deleted before it started
        }
        String name = StsSessions.newName(tenant, StsSessions.Purpose.SYNC);
        List<Resource> found = new ArrayList<>();
        AwsErrors.Problem problem;
        try {
            {
                StsSessions.Session session = sessions.open(connection.role(), connection.externalId(), StsSessions.Purpose.SYNC, name);
                problem = collect(session, connection.regions(), found, deadline);
                if (problem != null && problem.code().equals("session_expired")) {
                    // AWS found the session expired before this node did (clocks apart): one new session, once
                    found.clear();
                    name = StsSessions.newName(tenant, StsSessions.Purpose.SYNC);
                    session = sessions.open(connection.role(), connection.externalId(), StsSessions.Purpose.SYNC, name);
                    problem = collect(session, connection.regions(), found, deadline);
                }
            }
        } catch (SdkException e) {
            problem = AwsErrors.of(e, aws.platformPrincipal(), aws.stsRegion());
        } catch (TimeoutException e) {
            problem = new AwsErrors.Problem("sync_timeout", "The sync did not finish within " + DEADLINE.toMinutes()
                    + " minutes. Try again later, or with fewer regions.");
        } catch (InterruptedException e) {
            // deleted (then finishing finds no row) or the node is stopping: end as failed rather than leave it running
            problem = INTERRUPTED;
        }
        finish(account, run, found, problem, name);
    }

    /** Regions of one run at once, at most: with the runs at once, what the HTTP pool is sized for ({@link CloudConfiguration}). */
    static final int REGIONS_AT_ONCE = 8;

    /** Every region ({@link #REGIONS_AT_ONCE} at a time), until the deadline; the first failure (in region order) is the answer. */
    private AwsErrors.Problem collect(StsSessions.Session session, List<String> regions, List<Resource> found, Instant deadline)
            throws InterruptedException, TimeoutException {
        Semaphore regionTurns = new Semaphore(REGIONS_AT_ONCE);
        List<Future<List<Resource>>> futures = new ArrayList<>();
        for (String region : regions) {
            futures.add(threads.submit(() -> {
                regionTurns.acquire();
                try {
                    return region(session, region);
                } finally {
                    regionTurns.release();
                }
            }));
        }
        AwsErrors.Problem problem = null;
        try {
            for (int i = 0; i < futures.size(); i++) {
                try {
                    found.addAll(futures.get(i).get(Math.max(0, Duration.between(clock.instant(), deadline).toMillis()), TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    if (problem == null) {
                        if (e.getCause() instanceof SdkException sdk) {
                            problem = AwsErrors.of(sdk, aws.platformPrincipal(), regions.get(i));
                        } else {
                            log.warn("Inventory sync failed in a region: {}", e.getCause().getClass().getName());
                            problem = new AwsErrors.Problem("sync_failed", "The sync failed. Try again later.");
                        }
                    }
                }
            }
        } finally {
            futures.forEach(f -> f.cancel(true)); // nothing outlives the run
        }
        return problem;
    }

    private List<Resource> region(StsSessions.Session session, String region) {
        List<Resource> out = new ArrayList<>();
        AwsAccess.Ec2Session ec2 = aws.ec2(session.credentials(), region);
        ec2.client().describeInstancesPaginator(b -> b.overrideConfiguration(ec2.signedAs()).maxResults(1000)).reservations()
                .forEach(r -> r.instances().forEach(i -> out.add(new Resource("instance", i.instanceId(), region, i.instanceTypeAsString(),
                        i.state().nameAsString(), tags(i.tags()), i.launchTime(), Map.of()))));
        ec2.client().describeVolumesPaginator(b -> b.overrideConfiguration(ec2.signedAs()).maxResults(500)).volumes().forEach(v -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("sizeGiB", v.size());
            if (!v.attachments().isEmpty()) {
                details.put("instanceId", v.attachments().get(0).instanceId());
            }
            out.add(new Resource("volume", v.volumeId(), region, v.volumeTypeAsString(), v.stateAsString(), tags(v.tags()), v.createTime(),
                    details));
        });
        ec2.client().describeSnapshotsPaginator(b -> b.overrideConfiguration(ec2.signedAs()).ownerIds("self").maxResults(1000)).snapshots()
                .forEach(s -> out.add(new Resource("snapshot", s.snapshotId(), region, null, s.stateAsString(), tags(s.tags()), s.startTime(),
                        s.volumeId() == null ? Map.of() : Map.of("volumeId", s.volumeId()))));
        return out;
    }

    /**
     * Records the run's end, trying three times (a busy pool must not leave the sync marked running);
     * nothing when the account is gone or another run has taken the sync over. A write the database
     * refuses (an answer the inventory cannot hold) is recorded as the run's failure instead.
     */
    private void finish(UUID account, UUID run, List<Resource> found, AwsErrors.Problem problem, String sessionName) {
        for (int attempt = 1; ; attempt++) {
            try {
                turns.inTurn(() -> {
                    record(account, run, found, problem, sessionName);
                    return null;
                });
                return;
            } catch (org.springframework.dao.TransientDataAccessException | org.springframework.transaction.CannotCreateTransactionException e) {
                if (attempt == 3) {
                    log.warn("Could not record the end of an inventory sync: {}", e.getClass().getName());
                    return;
                }
                sleep(Duration.ofMillis(500L * attempt));
            } catch (RuntimeException e) {
                if (problem != null) {
                    log.warn("Could not record a failed inventory sync: {}", e.getClass().getName());
                    return;
                }
                log.warn("Inventory sync results refused by the database: {}", e.getClass().getName());
                finish(account, run, List.of(), new AwsErrors.Problem("sync_failed", "The sync failed. Try again later."), sessionName);
                return;
            }
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void record(UUID account, UUID run, List<Resource> found, AwsErrors.Problem problem, String sessionName) {
        Instant now = clock.instant();
        tx.executeWithoutResult(s -> {
            boolean ok = problem == null;
            if (!rows.finishSync(account, run, ok ? "succeeded" : "failed", ok ? null : problem.code(), ok ? null : problem.message(),
                    sessionName, now)) {
                return;
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
            if (sessionName != null) {
                details.put("role_session_name", sessionName);
            }
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
