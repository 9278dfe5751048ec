package dev.cloudwarden.cloud.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The SQL of jobs, job_runs and job_run_results, for the tenant in the caller's transaction (row-level security scopes each statement). */
@Component
class JobRows {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    /** A job as reads show it (SPEC §3), with its state. */
    record Job(UUID id, String name, UUID cloudAccountId, String type, String schedule, String timezone, Map<String, Object> parameters,
               boolean paused, Instant createdAt, Instant updatedAt) {
    }

    record Run(UUID id, UUID jobId, String status, boolean dryRun, String trigger, String roleSessionName, String code, String message,
               Instant queuedAt, Instant startedAt, Instant finishedAt, List<Result> results) {
    }

    record Result(String resourceId, String region, String action, String outcome, String message) {
    }

    private final JdbcClient jdbc;

    JobRows(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, UUID tenant, JobDefinition d, Instant now) {
        jdbc.sql("""
                        insert into jobs (id, tenant_id, account_id, name, type, schedule, timezone, parameters, created_at, updated_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)""")
                .params(id, tenant, d.cloudAccountId(), d.name(), d.type().id, d.schedule(), d.timezone(), JSON.writeValueAsString(d.parameters()),
                        Timestamp.from(now), Timestamp.from(now))
                .update();
    }

    boolean update(UUID id, JobDefinition d, boolean paused, Instant now) {
        return jdbc.sql("update jobs set name = ?, schedule = ?, timezone = ?, parameters = ?::jsonb, paused = ?, updated_at = ? where id = ?")
                .params(d.name(), d.schedule(), d.timezone(), JSON.writeValueAsString(d.parameters()), paused, Timestamp.from(now), id)
                .update() == 1;
    }

    boolean delete(UUID id) {
        return jdbc.sql("delete from jobs where id = ?").param(id).update() == 1;
    }

    List<Job> list() {
        return jdbc.sql("select * from jobs order by created_at, id").query(JobRows::job).list();
    }

    Optional<Job> find(UUID id) {
        return jdbc.sql("select * from jobs where id = ?").param(id).query(JobRows::job).optional();
    }

    int count() {
        return jdbc.sql("select count(*) from jobs").query(Integer.class).single();
    }

    void insertRun(UUID id, UUID tenant, UUID job, boolean dryRun, String trigger, Instant now) {
        jdbc.sql("insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at) values (?, ?, ?, 'queued', ?, ?, ?)")
                .params(id, tenant, job, dryRun, trigger, Timestamp.from(now)).update();
    }

    /** A scheduled run, once: false when a node already recorded this run of this slot. */
    boolean insertScheduledRun(UUID id, UUID tenant, UUID job, Instant due) {
        return jdbc.sql("""
                        insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at) values (?, ?, ?, 'queued', false, 'schedule', ?)
                        on conflict (id) do nothing""")
                .params(id, tenant, job, Timestamp.from(due)).update() == 1;
    }

    /**
     * Moves a queued run to running, or takes over a run left running by a node that died: the attempt
     * it now is (1 for the first), or empty when the run has ended, is gone, or has had its attempts.
     */
    Optional<Integer> startRun(UUID id, String roleSessionName, int maxAttempts, Instant now) {
        return jdbc.sql("""
                        update job_runs set status = 'running', attempts = attempts + 1, role_session_name = ?, started_at = coalesce(started_at, ?)
                        where id = ? and status in ('queued', 'running') and attempts < ? returning attempts""")
                .params(roleSessionName, Timestamp.from(now), id, maxAttempts).query(Integer.class).optional();
    }

    boolean finishRun(UUID id, String status, String code, String message, Instant now) {
        return jdbc.sql("update job_runs set status = ?, code = ?, message = ?, finished_at = ? where id = ? and status in ('queued', 'running')")
                .params(status, code, message, Timestamp.from(now), id).update() == 1;
    }

    /** Whether the tenant in scope is active: a terminated organisation's jobs do not run (P17). */
    boolean tenantActive() {
        return jdbc.sql("select count(*) from tenants where status = 'ACTIVE'").query(Integer.class).single() == 1;
    }

    /** Runs of the tenant in scope that are queued or under way: run id and job id. */
    List<UUID[]> openRuns() {
        return jdbc.sql("select id, job_id from job_runs where status in ('queued', 'running') order by queued_at")
                .query((rs, n) -> new UUID[] {rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)}).list();
    }

    boolean running(UUID run) {
        return jdbc.sql("select count(*) from job_runs where id = ? and status = 'running'").param(run).query(Integer.class).single() == 1;
    }

    /** Appends results after those already recorded (a resumed run keeps what the first attempt did). */
    void insertResults(UUID tenant, UUID run, List<Result> results) {
        int seq = jdbc.sql("select coalesce(max(seq), 0) from job_run_results where run_id = ?").param(run).query(Integer.class).single();
        for (Result r : results) {
            jdbc.sql("""
                            insert into job_run_results (tenant_id, run_id, seq, resource_id, region, action, outcome, message)
                            values (?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(tenant, run, ++seq, r.resourceId(), r.region(), r.action(), r.outcome(), r.message()).update();
        }
    }

    /** The run's results so far: how many, and how many failed. */
    int[] resultCounts(UUID run) {
        return jdbc.sql("select count(*), count(*) filter (where outcome = 'failed') from job_run_results where run_id = ?").param(run)
                .query((rs, n) -> new int[] {rs.getInt(1), rs.getInt(2)}).single();
    }

    /** The job's latest runs, newest first; {@code status} and {@code trigger} narrow them when given. */
    /** Newest first; with {@code before} (a run of this job), those older than it, in the same order (a keyset page). */
    List<Run> runs(UUID job, String status, String trigger, UUID before, int limit) {
        return jdbc.sql("""
                        select * from job_runs r where job_id = ? and (?::text is null or status = ?) and (?::text is null or trigger = ?)
                          and (?::uuid is null or (r.queued_at, r.id) < (select b.queued_at, b.id from job_runs b where b.job_id = r.job_id and b.id = ?))
                        order by queued_at desc, id desc limit ?""").params(job, status, status, trigger, trigger, before, before, limit)
                .query((rs, n) -> run(rs, List.of())).list();
    }

    boolean hasRun(UUID job, UUID run) {
        return jdbc.sql("select count(*) from job_runs where job_id = ? and id = ?").params(job, run).query(Integer.class).single() == 1;
    }

    Optional<Run> run(UUID job, UUID run) {
        return jdbc.sql("select * from job_runs where job_id = ? and id = ?").params(job, run).query((rs, n) -> run(rs, results(run))).optional();
    }

    private List<Result> results(UUID run) {
        return jdbc.sql("select resource_id, region, action, outcome, message from job_run_results where run_id = ? order by seq").param(run)
                .query((rs, n) -> new Result(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5))).list();
    }

    private static Job job(ResultSet rs, int row) throws SQLException {
        return new Job(rs.getObject("id", UUID.class), rs.getString("name"), rs.getObject("account_id", UUID.class), rs.getString("type"),
                rs.getString("schedule"), rs.getString("timezone"), JSON.readValue(rs.getString("parameters"), OBJECT), rs.getBoolean("paused"),
                CloudAccountRows.instant(rs, "created_at"), CloudAccountRows.instant(rs, "updated_at"));
    }

    private static Run run(ResultSet rs, List<Result> results) throws SQLException {
        return new Run(rs.getObject("id", UUID.class), rs.getObject("job_id", UUID.class), rs.getString("status"), rs.getBoolean("dry_run"),
                rs.getString("trigger"), rs.getString("role_session_name"), rs.getString("code"), rs.getString("message"),
                CloudAccountRows.instant(rs, "queued_at"), CloudAccountRows.instant(rs, "started_at"), CloudAccountRows.instant(rs, "finished_at"),
                results);
    }
}
