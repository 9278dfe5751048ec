package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.Scheduler;
import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.cloudsim.Account;
import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Two server nodes on one database and one queue: this test's server (node A) and a second one
 * started here (node B, same code, its own scheduler, pool and threads; it shares A's clock and its
 * way to the sandbox AWS, so the sandbox sees every call and the test moves both nodes' time). Every
 * due run executes once, counted by the STS sessions the sandbox issued for it, and a run under way
 * on a node that stops is taken over by the other and resumed.
 */
@TestPropertySource(properties = "db-scheduler.scheduler-name=node-a") // a server of its own: the test moves its clock
class TwoNodesTest extends IntegrationTest {

    @Autowired
    SandboxAws sandbox;
    @Autowired
    AwsAccess aws;
    @Autowired
    Clock serverClock;
    @Autowired
    JobQueue.Names names;
    @Autowired
    Scheduler scheduler;

    ConfigurableApplicationContext nodeB;

    @BeforeEach
    void startNodeB() {
        String queue = names.tick().getTaskName().substring(0, names.tick().getTaskName().length() - ".tick".length());
        BeanFactoryPostProcessor shared = factory -> {
            BeanDefinitionRegistry registry = (BeanDefinitionRegistry) factory;
            registry.removeBeanDefinition("clock");
            registry.removeBeanDefinition("awsAccess");
            factory.registerSingleton("clock", serverClock);
            factory.registerSingleton("awsAccess", aws);
        };
        nodeB = new SpringApplicationBuilder(CloudwardenApplication.class).initializers(c -> c.addBeanFactoryPostProcessor(shared)).run(
                "--server.port=0", "--management.server.port=0",
                "--cloudwarden.database.host=" + TestDatabase.HOST, "--cloudwarden.database.port=" + TestDatabase.PORT,
                "--cloudwarden.database.name=" + TestDatabase.NAME, "--cloudwarden.database.pool-size=6",
                "--spring.mail.host=127.0.0.1", "--spring.mail.port=" + TestMail.port(),
                "--cloudwarden.cloud.sandbox.enabled=false", "--cloudwarden.jobs.queue=" + queue,
                "--db-scheduler.scheduler-name=node-b", "--db-scheduler.polling-interval=500ms", "--db-scheduler.heartbeat-interval=1s",
                "--db-scheduler.missed-heartbeats-limit=4", "--db-scheduler.shutdown-max-wait=1s");
    }

    @AfterEach
    void stopNodeB() {
        if (nodeB != null) {
            nodeB.close();
        }
        scheduler.resume();
        sandbox.sim().latency(Duration.ZERO);
    }

    record Connected(Api.Tenant tenant, String accountId, Account world) {
    }

    /** A tenant whose account's role allows the jobs it has (the setup's policy once they exist). */
    private Connected connect(String organisation, String accountId, List<Map<String, Object>> jobs, List<String> ids) {
        Api.Tenant tenant = api.signUpAndSignIn(organisation);
        String externalId = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json().get("externalId").asString();
        CloudSim.Role role = new CloudSim.Role(accountId, "CloudwardenAccess", SandboxAws.PLATFORM_PRINCIPAL, externalId);
        sandbox.sim().addRole(role);
        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", organisation, "provider", "aws", "roleArn", role.arn(),
                "regions", List.of("us-east-1")), tenant.token());
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        String account = added.json().get("id").asString();
        for (Map<String, Object> job : jobs) {
            ids.add(TestCloud.createJob(api, tenant.token(), account, job).get("id").asString());
        }
        JsonNode setup = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json();
        sandbox.sim().addRole(new CloudSim.Role(accountId, "CloudwardenAccess", SandboxAws.PLATFORM_PRINCIPAL, externalId,
                setup.get("iamPolicy").toString()));
        return new Connected(tenant, account, sandbox.sim().account(accountId));
    }

    private long sessionsFor(String roleSessionName) {
        return sandbox.sim().issued().stream().filter(i -> i.roleSessionName().equals(roleSessionName)).count();
    }

    /** The scheduler names that hold picked entries of this queue right now. */
    private Set<String> pickedBy() throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select distinct picked_by from scheduled_tasks where picked and task_name like '"
                     + names.run().getTaskName().replace(".run", "") + ".%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private JsonNode awaitEnd(Api.Tenant tenant, String job, String run) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode r;
        do {
            Thread.sleep(100);
            r = api.get("/api/v1/jobs/" + job + "/runs/" + run, tenant.token()).json();
        } while ((r.get("status") == null || List.of("queued", "running").contains(r.get("status").asString())) && System.nanoTime() < deadline);
        return r;
    }

    @Test
    void everyDueRunExecutesOnceAcrossTheTwoNodes() throws Exception {
        List<String> jobs = new ArrayList<>();
        List<Map<String, Object>> definitions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            definitions.add(Map.of("name", "Stop " + i, "type", "stop_instances", "parameters", Map.of("tags", Map.of("env", "dev"))));
        }
        Connected c = connect("Two nodes", "777788880001", definitions, jobs);
        c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev"));
        sandbox.sim().latency(Duration.ofMillis(100)); // runs overlap, so both nodes have work at once

        // on demand: 40 dry runs queued at once
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String job = jobs.get(i % jobs.size());
            Api.Response queued = api.post("/api/v1/jobs/" + job + "/runs", Map.of("dryRun", true), c.tenant().token());
            assertThat(queued.status()).isEqualTo(202);
            runs.add(job + "/" + queued.json().get("id").asString());
        }
        Set<String> nodes = new HashSet<>();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (TestDatabase.count("select count(*) from job_runs where tenant_id = ? and status in ('queued', 'running')", c.tenant().tenantId()) > 0
                && System.nanoTime() < deadline) {
            nodes.addAll(pickedBy());
            Thread.sleep(20);
        }
        assertThat(nodes).as("both nodes took runs").contains("node-a", "node-b");
        for (String r : runs) {
            String[] jobAndRun = r.split("/");
            JsonNode run = awaitEnd(c.tenant(), jobAndRun[0], jobAndRun[1]);
            assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("succeeded");
            assertThat(sessionsFor(run.get("roleSessionName").asString())).as("one STS session for run " + jobAndRun[1]).isEqualTo(1);
        }

        // scheduled: every minute from now on (the clock stands still until the test moves it), the ten jobs' next two
        // slots, due on both nodes at the same instant
        clock.freeze();
        for (String job : jobs) {
            assertThat(api.patch("/api/v1/jobs/" + job, Map.of("schedule", "* * * * *", "timezone", "UTC"), c.tenant().token()).status())
                    .isEqualTo(200);
        }
        for (int slot = 0; slot < 2; slot++) {
            clock.freeze();
            Instant next = Instant.ofEpochSecond((clock.instant().getEpochSecond() / 60 + 1) * 60);
            clock.advance(Duration.between(clock.instant(), next).plusSeconds(1));
            clock.release(); // time goes on: runs over the tenant's bound step back a second or two
            for (String job : jobs) {
                UUID run = JobRunner.scheduledRunId(UUID.fromString(job), next);
                JsonNode r = awaitEnd(c.tenant(), job, run.toString());
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("succeeded");
                assertThat(r.get("trigger").asString()).isEqualTo("schedule");
                assertThat(sessionsFor(r.get("roleSessionName").asString())).as("one STS session for run " + run).isEqualTo(1);
            }
        }
        Thread.sleep(1500);
        assertThat(TestDatabase.count("select count(*) from job_runs where tenant_id = ? and trigger = 'schedule'", c.tenant().tenantId()))
                .as("one run per job and slot").isEqualTo(20);
        assertThat(c.world().instances("us-east-1")).allSatisfy(i -> assertThat(i.state()).isEqualTo("stopped"));
    }

    @Test
    void aRunUnderWayOnANodeThatStopsIsTakenOverByTheOtherAndEnds() throws Exception {
        List<String> jobs = new ArrayList<>();
        Connected c = connect("Node stops", "777788880002", List.of(Map.of("name", "Stop dev", "type", "stop_instances",
                "parameters", Map.of("tags", Map.of("env", "dev")))), jobs);
        String dev1 = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev")).id();
        String dev2 = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "dev")).id();
        String prod = c.world().addInstance("us-east-1", "t3.micro", "running", Map.of("env", "prod")).id();
        scheduler.pause(); // only node B takes the run
        sandbox.sim().latency(Duration.ofSeconds(2));
        Api.Response queued = api.post("/api/v1/jobs/" + jobs.get(0) + "/runs", Map.of("dryRun", false), c.tenant().token());
        String run = queued.json().get("id").asString();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!pickedBy().contains("node-b") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pickedBy()).contains("node-b");
        Thread.sleep(500); // node B is in the middle of the run, waiting for AWS
        nodeB.close();
        nodeB = null;
        sandbox.sim().latency(Duration.ZERO);
        scheduler.resume();

        JsonNode r = awaitEnd(c.tenant(), jobs.get(0), run);
        assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("succeeded");
        assertThat(TestDatabase.count("select attempts from job_runs where id = ?::uuid", run)).as("taken over once").isEqualTo(2);
        Map<String, String> states = new java.util.HashMap<>();
        c.world().instances("us-east-1").forEach(i -> states.put(i.id(), i.state()));
        assertThat(states).containsEntry(dev1, "stopped").containsEntry(dev2, "stopped").containsEntry(prod, "running");
        assertThat(api.get("/api/v1/activity?action=job.run_started", c.tenant().token()).json().get("events").toString())
                .contains("\"attempt\":\"2\"");
    }
}
