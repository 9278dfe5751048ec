package dev.cloudwarden.overview.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cloudwarden.cloud.CloudOverview;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The overview's numbers from the real tables: runs per day, and the hours schedules kept instances stopped. */
class CloudSummaryTest extends IntegrationTest {

    @Autowired
    CloudOverview overview;

    @Autowired
    TenantContext tenants;

    record Org(Api.Tenant tenant, String jobId) {
    }

    @Test
    void hoursSavedCountScheduledStopsUntilTheNextStartInsideTheWindowAndRunsAreCountedPerDay() throws Exception {
        Instant now = LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC);
        Org org = org("Summary Org");
        Org neighbour = org("Summary Neighbour");

        // stopped by a schedule 10 h ago, started by hand 4 h ago: 6 h
        run(org, "schedule", "succeeded", now.minus(hours(10)), "i-0000000000000000a", "stop", "done");
        run(org, "manual", "succeeded", now.minus(hours(4)), "i-0000000000000000a", "start", "done");
        // stopped by a schedule 2 h ago and not started since: 2 h
        run(org, "schedule", "failed", now.minus(hours(2)), "i-0000000000000000b", "stop", "done");
        // stopped by hand, or only in a dry run, or without success: nothing saved by a schedule
        run(org, "manual", "succeeded", now.minus(hours(5)), "i-0000000000000000c", "stop", "done");
        run(org, "schedule", "succeeded", now.minus(hours(5)), "i-0000000000000000d", "stop", "would");
        run(org, "schedule", "failed", now.minus(hours(5)), "i-0000000000000000e", "stop", "failed");
        // before the window and started again before it: nothing inside it
        run(org, "schedule", "succeeded", now.minus(Duration.ofDays(40)), "i-0000000000000000f", "stop", "done");
        run(org, "schedule", "succeeded", now.minus(Duration.ofDays(35)), "i-0000000000000000f", "start", "done");
        // stopped before the window, started on its second day at noon: the hours from the window's start count
        LocalDate first = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(29);
        run(org, "schedule", "succeeded", first.minusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant(), "i-00000000000000010", "stop", "done");
        run(org, "manual", "succeeded", first.plusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC), "i-00000000000000010", "start", "done");
        // another organisation's scheduled stop is theirs only
        run(neighbour, "schedule", "succeeded", now.minus(hours(3)), "i-0000000000000000a", "stop", "done");

        CloudOverview.Summary mine = tenants.callAs(org.tenant().tenantId(), () -> overview.summary(now, 30));
        assertThat(mine.hoursSaved()).isCloseTo(6 + 2 + 36, within(0.001));
        assertThat(mine.runs()).hasSize(30);
        assertThat(mine.runs().get(0).day()).isEqualTo(first);
        CloudOverview.DayRuns today = mine.runs().get(29);
        assertThat(today.day()).isEqualTo(LocalDate.ofInstant(now, ZoneOffset.UTC));
        assertThat(today.succeeded()).as("runs finished today").isEqualTo(4);
        assertThat(today.failed()).isEqualTo(2);
        assertThat(mine.runs().get(1).succeeded()).isEqualTo(1);
        assertThat(mine.runs().stream().mapToLong(d -> d.succeeded() + d.failed()).sum()).as("runs before the window are left out").isEqualTo(7);
        assertThat(mine.jobs()).isEqualTo(1);
        assertThat(mine.accounts()).isEqualTo(new CloudOverview.Accounts(0, 1, 0));

        CloudOverview.Summary theirs = tenants.callAs(neighbour.tenant().tenantId(), () -> overview.summary(now, 30));
        assertThat(theirs.hoursSaved()).isCloseTo(3, within(0.001));
        assertThat(theirs.runs().get(29).succeeded()).isEqualTo(1);
    }

    @Test
    void resourcesAreCountedByKindStateAndRegionFromTheLastSync() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Summary Resources Org");
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1", "eu-west-1")).get("id").asString();
        assertThat(TestCloud.syncAndWait(api, t.token(), account).at("/sync/status").asString()).isEqualTo("succeeded");

        CloudOverview.Summary summary = tenants.callAs(t.tenantId(), () -> overview.summary(clock.instant(), 30));
        long stored = TestDatabase.count("select count(*) from cloud_resources where tenant_id = ?", t.tenantId());
        assertThat(stored).isPositive();
        assertThat(summary.resources().stream().mapToLong(CloudOverview.ResourceCount::count).sum()).isEqualTo(stored);
        for (CloudOverview.ResourceCount r : summary.resources()) {
            assertThat(TestDatabase.count("select count(*) from cloud_resources where tenant_id = ? and kind = ? and state = ? and region = ?",
                    t.tenantId(), r.kind(), r.state(), r.region())).as(r.toString()).isEqualTo(r.count());
        }
        assertThat(summary.resources()).extracting(CloudOverview.ResourceCount::region).containsOnly("us-east-1", "eu-west-1");
    }

    private Org org(String name) {
        Api.Tenant t = api.signUpAndSignIn(name);
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1")).get("id").asString();
        String job = TestCloud.createJob(api, t.token(), account, Map.of("name", "Stop dev", "type", "stop_instances",
                "parameters", Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev")))).get("id").asString();
        return new Org(t, job);
    }

    /** A finished run of the org's job with one result, as the runner writes it. */
    private static void run(Org org, String trigger, String status, Instant finished, String instance, String action, String outcome)
            throws SQLException {
        UUID run = UUID.randomUUID();
        try (Connection c = TestDatabase.asAdmin()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at, started_at, finished_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                ps.setObject(1, run);
                ps.setObject(2, org.tenant().tenantId());
                ps.setObject(3, UUID.fromString(org.jobId()));
                ps.setString(4, status);
                ps.setBoolean(5, outcome.equals("would"));
                ps.setString(6, trigger);
                ps.setTimestamp(7, Timestamp.from(finished.minusSeconds(60)));
                ps.setTimestamp(8, Timestamp.from(finished.minusSeconds(30)));
                ps.setTimestamp(9, Timestamp.from(finished));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into job_run_results (tenant_id, run_id, seq, resource_id, region, action, outcome)
                    values (?, ?, 1, ?, 'us-east-1', ?, ?)""")) {
                ps.setObject(1, org.tenant().tenantId());
                ps.setObject(2, run);
                ps.setString(3, instance);
                ps.setString(4, action);
                ps.setString(5, outcome);
                ps.executeUpdate();
            }
        }
    }

    private static Duration hours(long h) {
        return Duration.ofHours(h);
    }
}
