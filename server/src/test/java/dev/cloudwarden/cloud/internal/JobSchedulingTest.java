package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Jobs on the scheduler, through the real db-scheduler on PostgreSQL with the server's clock moved
 * by the test: a job runs at its slot once and moves to its next, pausing takes it off the queue and
 * resuming puts it back, a slot missed by more than the grace is recorded as missed, and a run whose
 * node died (its entry picked, its heartbeat stale) is taken over and resumed, or ended once its
 * attempts are spent. The scheduler waits between polls by the server's clock, so a test that stops
 * the clock moves it on, or lets it run again, before it waits for the scheduler.
 */
@TestPropertySource(properties = {
        // a missed slot shows by moving the clock minutes, not hours (sign-up rows compare it with the database's);
        // a server of its own, since the sandbox in it keeps this clock and a shared one would take the minutes along
        "cloudwarden.jobs.missed-run-grace=PT1M"})
class JobSchedulingTest extends IntegrationTest {

    @Autowired
    JobQueue.Names names;
    @Autowired
    com.github.kagkarlsson.scheduler.Scheduler scheduler;

    record Scheduled(Api.Tenant tenant, String accountId, String jobId) {
    }

    /** A tenant with the sandbox account and an every-minute inventory sync job, created with the clock frozen. */
    private Scheduled everyMinute(String organisation) {
        Api.Tenant tenant = api.signUpAndSignIn(organisation);
        String account = TestCloud.addSandboxAccount(api, tenant.token(), List.of("us-east-1")).get("id").asString();
        clock.freeze();
        String job = TestCloud.createJob(api, tenant.token(), account, Map.of("name", "Sync each minute", "type", "inventory_sync",
                "schedule", "* * * * *", "timezone", "Europe/Berlin")).get("id").asString();
        return new Scheduled(tenant, account, job);
    }

    private Instant tickTime(String job) throws Exception {
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("select execution_time from scheduled_tasks where task_name = ? and task_instance = ?")) {
            ps.setString(1, names.tick().getTaskName());
            ps.setString(2, job);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1).toInstant() : null;
            }
        }
    }

    /** The job's tick as the scheduler holds it, for a failure's message. */
    private String tickRow(String job) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select execution_time, picked, picked_by, consecutive_failures, last_failure from scheduled_tasks where task_instance = ?")) {
            ps.setString(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) + " picked=" + rs.getString(2) + " by " + rs.getString(3) + " failures=" + rs.getString(4)
                        + " last failure " + rs.getString(5) : "none";
            }
        }
    }

    private List<JsonNode> runs(Scheduled s) {
        List<JsonNode> out = new ArrayList<>();
        api.get("/api/v1/jobs/" + s.jobId() + "/runs", s.tenant().token()).json().forEach(out::add);
        return out;
    }

    /** Waits until the job's runs satisfy the condition (30 s at most); returns them. */
    private List<JsonNode> awaitRuns(Scheduled s, Predicate<List<JsonNode>> done) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<JsonNode> runs = runs(s);
        while (!done.test(runs) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            runs = runs(s);
        }
        return runs;
    }

    private static boolean ended(JsonNode run) {
        return !List.of("queued", "running").contains(run.get("status").asString());
    }

    @Test
    void aScheduledJobRunsAtItsSlotOnceThenWaitsForItsNext() throws Exception {
        Scheduled s = everyMinute("Scheduled sync");
        Instant slot = tickTime(s.jobId());
        assertThat(slot).isAfter(clock.instant()).isBefore(clock.instant().plusSeconds(61));
        assertThat(slot.getEpochSecond() % 60).isZero();
        Thread.sleep(1500);
        assertThat(runs(s)).as("nothing before its time").isEmpty();

        clock.advance(Duration.between(clock.instant(), slot).plusSeconds(1));
        List<JsonNode> runs = awaitRuns(s, r -> r.size() == 1 && ended(r.get(0)));
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).get("trigger").asString()).isEqualTo("schedule");
        assertThat(runs.get(0).get("status").asString()).as(runs.get(0).toString()).isEqualTo("succeeded");
        assertThat(Instant.parse(runs.get(0).get("queuedAt").asString())).isEqualTo(slot);
        assertThat(tickTime(s.jobId())).as("on to the next slot").isEqualTo(slot.plusSeconds(60));
        Thread.sleep(1500);
        assertThat(runs(s)).as("once per slot").hasSize(1);

        clock.advance(Duration.ofSeconds(60));
        assertThat(awaitRuns(s, r -> r.size() == 2 && r.stream().allMatch(JobSchedulingTest::ended))).hasSize(2);
        assertThat(api.get("/api/v1/cloud-accounts/" + s.accountId(), s.tenant().token()).json().at("/sync/status").asString())
                .isEqualTo("succeeded");

        // the run history's filters, and a bad one named
        String history = "/api/v1/jobs/" + s.jobId() + "/runs";
        assertThat(api.post(history, Map.of("dryRun", false), s.tenant().token()).status()).isEqualTo(202);
        assertThat(api.get(history + "?trigger=schedule", s.tenant().token()).json()).hasSize(2)
                .allSatisfy(r -> assertThat(r.get("trigger").asString()).isEqualTo("schedule"));
        assertThat(api.get(history + "?trigger=manual", s.tenant().token()).json()).hasSize(1);
        assertThat(api.get(history + "?trigger=schedule&status=succeeded&limit=1", s.tenant().token()).json()).hasSize(1);
        assertThat(api.get(history + "?status=failed", s.tenant().token()).json()).isEmpty();
        for (Map.Entry<String, String> bad : Map.of("status=done", "status", "trigger=cron", "trigger", "limit=0", "limit", "limit=x", "limit",
                "sort=queuedAt", "sort", "trigger=manual&trigger=schedule", "trigger").entrySet()) {
            Api.Response r = api.get(history + "?" + bad.getKey(), s.tenant().token());
            assertThat(r.status()).as(bad.getKey()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(bad.getKey()).isEqualTo(bad.getValue());
        }

        // the account goes: its jobs, their runs and their scheduler entries with it
        assertThat(tickTime(s.jobId())).isNotNull();
        assertThat(api.delete("/api/v1/cloud-accounts/" + s.accountId(), s.tenant().token()).status()).isEqualTo(204);
        assertThat(tickTime(s.jobId())).isNull();
        assertThat(api.get(history, s.tenant().token()).status()).isEqualTo(404);
    }

    @Test
    void pausingTakesTheJobOffTheQueueResumingPutsItBackAndAMissedSlotIsRecordedNotRunLate() throws Exception {
        Scheduled s = everyMinute("Paused sync");
        assertThat(tickTime(s.jobId())).isNotNull();
        assertThat(api.patch("/api/v1/jobs/" + s.jobId(), Map.of("paused", true), s.tenant().token()).status()).isEqualTo(200);
        assertThat(tickTime(s.jobId())).as("paused: off the queue").isNull();
        clock.advance(Duration.ofMinutes(3));
        Thread.sleep(1500);
        assertThat(runs(s)).as("a paused job never runs").isEmpty();

        assertThat(api.patch("/api/v1/jobs/" + s.jobId(), Map.of("paused", false), s.tenant().token()).status()).isEqualTo(200);
        Instant slot = tickTime(s.jobId());
        assertThat(slot).as("resumed: its next slot from now").isAfter(clock.instant()).isBefore(clock.instant().plusSeconds(61));

        // every node was down from before the slot until past the grace after it (a minute here, an hour by default)
        clock.advance(Duration.between(clock.instant(), slot).plusMinutes(3));
        List<JsonNode> runs = awaitRuns(s, r -> r.size() == 1 && ended(r.get(0)));
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).get("status").asString()).isEqualTo("cancelled");
        assertThat(runs.get(0).get("code").asString()).isEqualTo("missed");
        assertThat(runs.get(0).get("startedAt").isNull()).as("never started").isTrue();
        assertThat(tickTime(s.jobId())).as("the missed slots collapse into one; next is after now").isAfter(clock.instant());

        assertThat(api.delete("/api/v1/jobs/" + s.jobId(), s.tenant().token()).status()).isEqualTo(204);
        assertThat(tickTime(s.jobId())).as("deleted: off the queue").isNull();
    }

    @Test
    void aSlotThatHasComeIsNotLostToAChangeAndARunItBeganEndsWhenTheJobIsPaused() throws Exception {
        Scheduled s = everyMinute("Slot came");
        Instant slot = tickTime(s.jobId());
        scheduler.pause(); // the slot comes while no node polls: its tick waits, due
        try {
            clock.advance(Duration.between(clock.instant(), slot).plusSeconds(1));
            // an earlier attempt of the slot's run had begun (its node then stopped)
            UUID run = JobRunner.scheduledRunId(UUID.fromString(s.jobId()), slot);
            try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                    insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at, started_at, attempts)
                    values (?, ?, ?::uuid, 'running', false, 'schedule', ?, ?, 1)""")) {
                ps.setObject(1, run);
                ps.setObject(2, s.tenant().tenantId());
                ps.setString(3, s.jobId());
                ps.setTimestamp(4, Timestamp.from(slot));
                ps.setTimestamp(5, Timestamp.from(slot));
                ps.executeUpdate();
            }
            assertThat(api.patch("/api/v1/jobs/" + s.jobId(), Map.of("name", "Renamed"), s.tenant().token()).status()).isEqualTo(200);
            assertThat(tickTime(s.jobId())).as("a change does not move a slot that has come").isEqualTo(slot);
            assertThat(api.patch("/api/v1/jobs/" + s.jobId(), Map.of("paused", true), s.tenant().token()).status()).isEqualTo(200);
            assertThat(tickTime(s.jobId())).as("nor does a pause take it away").isEqualTo(slot);
        } finally {
            scheduler.resume();
        }
        clock.release(); // the scheduler waits between polls by the server's clock: standing still, it would not poll again
        JsonNode ended = awaitRun(s, JobRunner.scheduledRunId(UUID.fromString(s.jobId()), slot));
        assertThat(ended.get("status").asString()).as(ended + "; its tick: " + tickRow(s.jobId())).isEqualTo("cancelled");
        assertThat(ended.get("code").asString()).isEqualTo("job_paused");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (tickTime(s.jobId()) != null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(tickTime(s.jobId())).as("paused: off the queue once the slot is dealt with").isNull();
        assertThat(runs(s)).hasSize(1);
    }

    @Test
    void aTerminatedOrganisationsJobsNeverRunNotEvenRunsAlreadyQueued() throws Exception {
        Scheduled s = everyMinute("Terminated");
        Instant slot = tickTime(s.jobId());
        scheduler.pause(); // a run is queued and a slot comes, then the subscription ends before any node takes them
        String queued;
        try {
            Api.Response r = api.post("/api/v1/jobs/" + s.jobId() + "/runs", Map.of("dryRun", false), s.tenant().token());
            assertThat(r.status()).isEqualTo(202);
            queued = r.json().get("id").asString();
            clock.advance(Duration.between(clock.instant(), slot).plusSeconds(1));
            try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                    "update tenants set status = 'TERMINATED', terminated_at = now(), purge_after = now() + interval '60 days' where id = ?")) {
                ps.setObject(1, s.tenant().tenantId());
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        } finally {
            scheduler.resume();
        }
        clock.release(); // the scheduler waits between polls by the server's clock: standing still, it would not poll again
        // the organisation's users can no longer sign in or use their tokens: read behind the API
        assertThat(api.get("/api/v1/jobs/" + s.jobId() + "/runs", s.tenant().token()).status()).isEqualTo(401);
        String ended = "select count(*) from job_runs where id = ?::uuid and status = 'cancelled' and code = 'subscription_ended'"
                + " and started_at is null";
        long deadline = System.nanoTime() + 15_000_000_000L;
        while ((TestDatabase.count(ended, queued) == 0 || tickTime(s.jobId()) != null) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(TestDatabase.count(ended, queued)).as("the queued run ends, never started").isEqualTo(1);
        assertThat(tickTime(s.jobId())).as("the job's schedule is off the queue").isNull();
        assertThat(TestDatabase.count("select count(*) from job_runs where job_id = ?::uuid", s.jobId())).as("the slot made no run").isEqualTo(1);
        assertThat(TestDatabase.count("select count(*) from cloud_resources where account_id = ?::uuid", s.accountId()))
                .as("nothing synced").isZero();
    }

    /** A run entry as a node that then died left it: picked, its heartbeat a minute old. */
    private void orphan(Scheduled s, UUID run, int attempts) throws Exception {
        Instant now = clock.instant();
        try (Connection c = TestDatabase.asAdmin()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at, started_at, attempts)
                    values (?, ?, ?::uuid, 'running', false, 'manual', ?, ?, ?)""")) {
                ps.setObject(1, run);
                ps.setObject(2, s.tenant().tenantId());
                ps.setString(3, s.jobId());
                ps.setTimestamp(4, Timestamp.from(now.minusSeconds(120)));
                ps.setTimestamp(5, Timestamp.from(now.minusSeconds(110)));
                ps.setInt(6, attempts);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into scheduled_tasks (task_name, task_instance, task_data, execution_time, picked, picked_by, last_heartbeat, version)
                    values (?, ?, ?, ?, true, 'a-node-that-died', ?, 1)""")) {
                ps.setString(1, names.run().getTaskName());
                ps.setString(2, run.toString());
                ps.setBytes(3, ("{\"tenant\":\"" + s.tenant().tenantId() + "\",\"job\":\"" + s.jobId() + "\",\"run\":\"" + run + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
                ps.setTimestamp(4, Timestamp.from(now.minusSeconds(120)));
                ps.setTimestamp(5, Timestamp.from(now.minusSeconds(60)));
                ps.executeUpdate();
            }
        }
    }

    private JsonNode awaitRun(Scheduled s, UUID run) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode r;
        do {
            Thread.sleep(100);
            r = api.get("/api/v1/jobs/" + s.jobId() + "/runs/" + run, s.tenant().token()).json();
        } while (!ended(r) && System.nanoTime() < deadline);
        return r;
    }

    @Test
    void aRunWhoseNodeDiedIsTakenOverAndResumedOrEndedOnceItsAttemptsAreSpent() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Orphaned runs");
        String account = TestCloud.addSandboxAccount(api, tenant.token(), List.of("us-east-1")).get("id").asString();
        String job = TestCloud.createJob(api, tenant.token(), account, Map.of("name", "Sync", "type", "inventory_sync")).get("id").asString();
        Scheduled s = new Scheduled(tenant, account, job);

        UUID resumed = UUID.randomUUID();
        orphan(s, resumed, 1);
        JsonNode r = awaitRun(s, resumed);
        assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("succeeded");
        assertThat(TestDatabase.count("select attempts from job_runs where id = ?", resumed)).isEqualTo(2);
        assertThat(api.get("/api/v1/activity?action=job.run_started", tenant.token()).json().get("events").toString())
                .contains("\"attempt\":\"2\"");

        UUID spent = UUID.randomUUID();
        orphan(s, spent, JobRunner.MAX_ATTEMPTS);
        r = awaitRun(s, spent);
        assertThat(r.get("status").asString()).isEqualTo("failed");
        assertThat(r.get("code").asString()).isEqualTo("run_lost");
        assertThat(r.get("message").asString()).contains("interrupted 3 times").doesNotContain("Exception");
        assertThat(TestDatabase.count("select count(*) from scheduled_tasks where task_instance in (?, ?)", resumed.toString(), spent.toString()))
                .as("the entries are done").isZero();
    }
}
