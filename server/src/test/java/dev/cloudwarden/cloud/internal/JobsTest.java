package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.Account;
import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Automation jobs against the sandbox AWS: they change exactly the resources their tags select in
 * their regions, a dry run changes nothing, snapshots keep to their retention and only the job's own
 * are deleted, each run is one STS session named after it, and every bad definition names its field.
 */
class JobsTest extends IntegrationTest {

    @Autowired
    SandboxAws sandbox;

    record Connected(Api.Tenant tenant, String accountId, String roleArn, Account world) {
    }

    /** A tenant with an account of its own in the sandbox (regions us-east-1 and eu-west-1). */
    Connected connect(String organisation, String accountId) {
        Api.Tenant tenant = api.signUpAndSignIn(organisation);
        String externalId = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json().get("externalId").asString();
        CloudSim.Role role = new CloudSim.Role(accountId, "CloudwardenAccess", SandboxAws.PLATFORM_PRINCIPAL, externalId);
        sandbox.sim().addRole(role);
        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", organisation, "provider", "aws", "roleArn", role.arn(),
                "regions", List.of("us-east-1", "eu-west-1")), tenant.token());
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        return new Connected(tenant, added.json().get("id").asString(), role.arn(), sandbox.sim().account(accountId));
    }

    /** The role as the customer updates it from the setup page once jobs exist: the setup's policy, now with the jobs' statements. */
    void updateRolePolicy(Connected c, String accountId) {
        JsonNode setup = api.get("/api/v1/cloud-accounts/setup", c.tenant().token()).json();
        sandbox.sim().addRole(new CloudSim.Role(accountId, "CloudwardenAccess", SandboxAws.PLATFORM_PRINCIPAL,
                setup.get("externalId").asString(), setup.get("iamPolicy").toString()));
    }

    JsonNode createJob(Connected c, Map<String, Object> job) {
        return TestCloud.createJob(api, c.tenant().token(), c.accountId(), job);
    }

    JsonNode runAndWait(Connected c, String job, boolean dryRun) throws InterruptedException {
        return TestCloud.runAndWait(api, c.tenant().token(), job, dryRun);
    }

    static Map<String, String> states(Account world, String region) {
        return world.instances(region).stream().collect(Collectors.toMap(Account.Instance::id, Account.Instance::state));
    }

    @Test
    void stopChangesExactlyTheTaggedRunningInstancesOfItsRegionsAndADryRunChangesNothing() throws Exception {
        String accountId = "666677770001";
        Connected c = connect("Jobs stop", accountId);
        String dev1 = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev")).id();
        String dev2 = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev", "team", "a")).id();
        c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "prod"));
        c.world().addInstance("us-east-1", "t3.micro", "stopped", Map.of("env", "dev"));
        c.world().addInstance("eu-west-1", "t3.micro", "running", Map.of("env", "dev"));
        JsonNode job = createJob(c, Map.of("name", "Stop dev at night", "type", "stop_instances", "schedule", "0 19 * * 1-5",
                "timezone", "Europe/Berlin", "parameters", Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev"))));
        assertThat(job.get("schedule").asString()).isEqualTo("0 19 * * 1-5");
        assertThat(job.get("timezone").asString()).isEqualTo("Europe/Berlin");
        String id = job.get("id").asString();

        // before the role allows stopping, the run fails with a message the customer can act on
        JsonNode refused = runAndWait(c, id, false);
        assertThat(refused.get("status").asString()).isEqualTo("failed");
        assertThat(refused.toString()).contains("policy").doesNotContain("Exception").doesNotContain("arn:aws:sts");
        updateRolePolicy(c, accountId);

        Map<String, String> useEast = states(c.world(), "us-east-1");
        Map<String, String> euWest = states(c.world(), "eu-west-1");
        JsonNode dry = runAndWait(c, id, true);
        assertThat(dry.get("status").asString()).as(dry.toString()).isEqualTo("succeeded");
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(resources(dry, "would")).containsExactlyInAnyOrder(dev1, dev2);
        assertThat(states(c.world(), "us-east-1")).as("a dry run changes nothing").isEqualTo(useEast);
        assertThat(states(c.world(), "eu-west-1")).isEqualTo(euWest);

        JsonNode real = runAndWait(c, id, false);
        assertThat(real.get("status").asString()).as(real.toString()).isEqualTo("succeeded");
        assertThat(resources(real, "done")).containsExactlyInAnyOrder(dev1, dev2);
        Map<String, String> expected = new HashMap<>(useEast);
        expected.put(dev1, "stopped");
        expected.put(dev2, "stopped");
        assertThat(states(c.world(), "us-east-1")).isEqualTo(expected);
        assertThat(states(c.world(), "eu-west-1")).as("not its region").isEqualTo(euWest);

        // the run's own session, named after it, did the stopping
        String session = real.get("roleSessionName").asString();
        assertThat(session).isEqualTo("cw-" + c.tenant().tenantId().toString().substring(0, 8) + "-stop-"
                + real.get("id").asString().replace("-", "").substring(0, 12));
        assertThat(sandbox.sim().calls()).anySatisfy(call -> {
            assertThat(call.action()).isEqualTo("StopInstances");
            assertThat(call.roleSessionName()).isEqualTo(session);
            assertThat(call.accountId()).isEqualTo(accountId);
        });
        String events = api.get("/api/v1/activity?action=instance.stopped", c.tenant().token()).json().get("events").toString();
        assertThat(events).contains(dev1).contains(dev2);
        assertThat(api.get("/api/v1/activity?action=job.run_finished", c.tenant().token()).json().get("events").toString())
                .contains(session).contains("succeeded");
        assertThat(api.get("/api/v1/jobs/" + id + "/runs", c.tenant().token()).json()).hasSize(3);
    }

    @Test
    void snapshotsKeepToTheirRetentionAndOnlyTheJobsOwnAreDeleted() throws Exception {
        String accountId = "666677770002";
        Connected c = connect("Jobs snapshots", accountId);
        String daily = c.world().addVolume("eu-west-1", 20, null, Map.of("backup", "daily")).id();
        String other = c.world().addVolume("eu-west-1", 20, null, Map.of("backup", "never")).id();
        JsonNode job = createJob(c, Map.of("name", "Daily snapshots", "type", "snapshot_volumes",
                "parameters", Map.of("tags", Map.of("backup", "daily"), "retain", Map.of("count", 2))));
        updateRolePolicy(c, accountId);
        String id = job.get("id").asString();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode run = runAndWait(c, id, false);
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("succeeded");
            made.addAll(resources(run, "done").stream().filter(r -> r.startsWith("snap-")).toList());
            Thread.sleep(1_100); // snapshots' start times are whole seconds
        }
        List<String> left = c.world().snapshots("eu-west-1").stream().filter(s -> s.volumeId().equals(daily)).map(Account.Snapshot::id).toList();
        assertThat(left).as("the newest two of its own").hasSize(2).doesNotContain(made.get(0));
        assertThat(c.world().snapshots("eu-west-1")).noneMatch(s -> s.volumeId().equals(other));
        JsonNode dry = runAndWait(c, id, true);
        assertThat(resources(dry, "would")).contains(daily);
        assertThat(c.world().snapshots("eu-west-1").stream().filter(s -> s.volumeId().equals(daily))).as("a dry run changes nothing").hasSize(2);
        assertThat(api.get("/api/v1/activity?action=snapshot.deleted", c.tenant().token()).json().get("events").toString()).contains(made.get(0));
    }

    @Test
    void throttlingIsRetriedAPermanentFailureEndsReadablyAndEveryCallStaysInTheTenantsOwnAccount() throws Exception {
        String accountId = "666677770005";
        Connected c = connect("Jobs faults", accountId);
        Connected neighbour = connect("Jobs faults neighbour", "666677770006");
        String dev = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev")).id();
        String theirs = neighbour.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev")).id();
        String stop = createJob(c, Map.of("name", "Stop", "type", "stop_instances", "parameters",
                Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev")))).get("id").asString();
        String start = createJob(c, Map.of("name", "Start", "type", "start_instances", "parameters",
                Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev")))).get("id").asString();
        updateRolePolicy(c, accountId);

        // throttled twice, then through: the SDK's backoff with jitter absorbs it
        sandbox.sim().failNext("ec2:StopInstances", CloudSim.FaultKind.THROTTLE, 2);
        JsonNode stopped = runAndWait(c, stop, false);
        assertThat(stopped.get("status").asString()).as(stopped.toString()).isEqualTo("succeeded");
        assertThat(resources(stopped, "done")).containsExactly(dev);
        String stopSession = stopped.get("roleSessionName").asString();
        List<CloudSim.Call> stopCalls = sandbox.sim().calls().stream()
                .filter(call -> stopSession.equals(call.roleSessionName()) && call.action().equals("StopInstances")).toList();
        assertThat(stopCalls).hasSize(3);
        assertThat(stopCalls.subList(0, 2)).allSatisfy(call -> assertThat(call.errorCode()).isEqualTo("RequestLimitExceeded"));

        // failing every attempt: the run ends as failed, the resource's result says what happened in the customer's words
        sandbox.sim().failNext("ec2:StartInstances", CloudSim.FaultKind.SERVER_ERROR, AwsAccess.MAX_ATTEMPTS);
        JsonNode failed = runAndWait(c, start, false);
        assertThat(failed.get("status").asString()).as(failed.toString()).isEqualTo("failed");
        assertThat(failed.get("code").asString()).isEqualTo("resource_failed");
        assertThat(resources(failed, "failed")).containsExactly(dev);
        assertThat(failed.toString()).doesNotContain("Exception").doesNotContain("Status Code").doesNotContain("Request ID");
        String startSession = failed.get("roleSessionName").asString();
        assertThat(sandbox.sim().calls().stream().filter(call -> startSession.equals(call.roleSessionName())
                && call.action().equals("StartInstances"))).hasSize(AwsAccess.MAX_ATTEMPTS);

        // checked at the sandbox: these runs' credentials touched this tenant's account only, and the neighbour's instance is as it was
        assertThat(sandbox.sim().calls().stream().filter(call -> stopSession.equals(call.roleSessionName())
                || startSession.equals(call.roleSessionName()))).allSatisfy(call -> assertThat(call.accountId()).isEqualTo(accountId));
        assertThat(states(neighbour.world(), "us-east-1")).containsEntry(theirs, "running");
        assertThat(c.world().instances("us-east-1")).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("stopped"));
    }

    @Test
    void aTenantsManyRunsWaitBehindItsOwnBoundNotBehindOtherTenants() throws Exception {
        Connected big = connect("Jobs many runs", "666677770007");
        Connected small = connect("Jobs one run", "666677770008");
        Map<String, Object> dryStop = Map.of("name", "Stop dev", "type", "stop_instances", "parameters",
                Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev")));
        String bigJob = createJob(big, dryStop).get("id").asString();
        String smallJob = createJob(small, dryStop).get("id").asString();
        sandbox.sim().latency(java.time.Duration.ofMillis(300));
        try {
            for (int i = 0; i < 30; i++) {
                assertThat(api.post("/api/v1/jobs/" + bigJob + "/runs", Map.of("dryRun", true), big.tenant().token()).status()).isEqualTo(202);
            }
            // queued after all thirty: with db-scheduler.threads=16 and nothing else it would wait for the first sixteen
            JsonNode one = runAndWait(small, smallJob, true);
            assertThat(one.get("status").asString()).isEqualTo("succeeded");
            long bigDone = dev.cloudwarden.support.TestDatabase.count(
                    "select count(*) from job_runs where tenant_id = ? and status = 'succeeded'", big.tenant().tenantId());
            assertThat(bigDone).as("the other tenant's runs ahead of it, when it ended").isLessThan(12);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (dev.cloudwarden.support.TestDatabase.count("select count(*) from job_runs where tenant_id = ? and status = 'succeeded'",
                    big.tenant().tenantId()) < 30 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(dev.cloudwarden.support.TestDatabase.count("select count(*) from job_runs where tenant_id = ? and status = 'succeeded'",
                    big.tenant().tenantId())).as("and they all ran, four at a time").isEqualTo(30);
        } finally {
            sandbox.sim().latency(java.time.Duration.ZERO);
        }
    }

    @Test
    void badDefinitionsNameTheirFieldPausedJobsDoNotRunAndOtherTenantsSeeNothing() throws Exception {
        Connected c = connect("Jobs bad input", "666677770003");
        record Case(Map<String, Object> job, String field) {
        }
        Map<String, Object> tags = Map.of("tags", Map.of("env", "dev"));
        List<Case> cases = List.of(
                new Case(Map.of("name", "x", "type", "reboot_instances", "parameters", tags), "type"),
                new Case(Map.of("name", "", "type", "stop_instances", "parameters", tags), "name"),
                new Case(Map.of("name", "x", "type", "stop_instances", "schedule", "every day", "parameters", tags), "schedule"),
                new Case(Map.of("name", "x", "type", "stop_instances", "schedule", "61 * * * *", "parameters", tags), "schedule"),
                new Case(Map.of("name", "x", "type", "stop_instances", "schedule", "0 19 * * *", "timezone", "Mars/Olympus", "parameters", tags), "timezone"),
                new Case(Map.of("name", "x", "type", "stop_instances", "timezone", "UTC", "parameters", tags), "timezone"),
                new Case(Map.of("name", "x", "type", "stop_instances", "parameters", Map.of()), "parameters.tags"),
                new Case(Map.of("name", "x", "type", "start_instances", "parameters", Map.of("regions", List.of("us-east-1"))), "parameters.tags"),
                new Case(Map.of("name", "x", "type", "stop_instances", "parameters", Map.of("tags", Map.of("env", "dev"), "regions", List.of("ap-south-1"))),
                        "parameters.regions"),
                new Case(Map.of("name", "x", "type", "stop_instances", "parameters", Map.of("tags", Map.of("env", "dev"), "filters", List.of())),
                        "parameters.filters"),
                new Case(Map.of("name", "x", "type", "snapshot_volumes", "parameters", Map.of("tags", Map.of("b", "d"), "retain", Map.of("count", 0))),
                        "parameters.retain"),
                new Case(Map.of("name", "x", "type", "snapshot_volumes", "parameters", Map.of("tags", Map.of("b", "d"), "retain", Map.of("days", 99999))),
                        "parameters.retain"),
                new Case(Map.of("name", "x", "type", "snapshot_volumes", "parameters", Map.of("tags", Map.of("b", "d"))), "parameters.retain"),
                new Case(Map.of("name", "x", "type", "stop_instances", "parameters", Map.of("tags", Map.of("aws:cloudformation:stack-name", "x"))),
                        "parameters.tags"));
        for (Case bad : cases) {
            Map<String, Object> body = new HashMap<>(bad.job());
            body.put("cloudAccountId", c.accountId());
            Api.Response r = api.post("/api/v1/jobs", body, c.tenant().token());
            assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(bad.toString()).isEqualTo(bad.field());
        }
        assertThat(api.get("/api/v1/jobs", c.tenant().token()).json()).as("nothing was created").isEmpty();

        JsonNode job = createJob(c, Map.of("name", "Start dev", "type", "start_instances", "parameters", tags));
        String id = job.get("id").asString();
        Api.Response paused = api.patch("/api/v1/jobs/" + id, Map.of("paused", true), c.tenant().token());
        assertThat(paused.json().get("paused").asBoolean()).isTrue();
        Api.Response refused = api.post("/api/v1/jobs/" + id + "/runs", Map.of(), c.tenant().token());
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("error").asString()).isEqualTo("job_paused");
        assertThat(api.get("/api/v1/activity?action=job.changed", c.tenant().token()).json().get("events").toString()).contains("paused");

        Api.Tenant other = api.signUpAndSignIn("Jobs other tenant");
        for (Api.Response r : List.of(api.get("/api/v1/jobs/" + id, other.token()), api.get("/api/v1/jobs/" + id + "/runs", other.token()),
                api.post("/api/v1/jobs/" + id + "/runs", Map.of(), other.token()), api.patch("/api/v1/jobs/" + id, Map.of("paused", false), other.token()),
                api.delete("/api/v1/jobs/" + id, other.token()))) {
            assertThat(r.status()).as(r.body()).isEqualTo(404);
        }
        Api.Response foreignAccount = api.post("/api/v1/jobs", Map.of("name", "x", "type", "stop_instances", "cloudAccountId", c.accountId(),
                "parameters", tags), other.token());
        assertThat(foreignAccount.status()).isEqualTo(400);
        assertThat(foreignAccount.json().get("field").asString()).isEqualTo("cloudAccountId");

        // deleting the account deletes its jobs
        assertThat(api.delete("/api/v1/cloud-accounts/" + c.accountId(), c.tenant().token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + id, c.tenant().token()).status()).isEqualTo(404);
    }

    static List<String> resources(JsonNode run, String outcome) {
        List<String> out = new ArrayList<>();
        run.get("results").forEach(r -> {
            if (r.get("outcome").asString().equals(outcome)) {
                out.add(r.get("resourceId").asString());
            }
        });
        return out;
    }
}
