package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * Canary role ARN, external ID and session credentials (a verification's, a sync's and a job run's):
 * absent from every log line, every response (except the setup answer's own external ID), every
 * activity event and a pg_dump of the database, the scheduler's queue included.
 */
@ExtendWith(OutputCaptureExtension.class)
class CloudCanaryTest extends IntegrationTest {

    static final String ACCOUNT = "424242424242";

    @Autowired
    SandboxAws sandbox;

    @Test
    void roleArnsExternalIdsAndSessionCredentialsNeverLeak(CapturedOutput output) throws Exception {
        String tag = String.format("%016x", ThreadLocalRandom.current().nextLong());
        Api.Tenant tenant = api.signUpAndSignIn("Cloud canary");
        List<Api.Response> responses = new ArrayList<>();
        Api.Response setup = api.get("/api/v1/cloud-accounts/setup", tenant.token());
        String externalId = setup.json().get("externalId").asString();
        String roleName = "CanaryRole" + tag;
        CloudSim.Role role = new CloudSim.Role(ACCOUNT, roleName, SandboxAws.PLATFORM_PRINCIPAL, externalId);
        sandbox.sim().addRole(role);
        sandbox.sim().seedDemo(ACCOUNT);

        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", "Canary", "provider", "aws", "roleArn", role.arn(),
                "regions", List.of("us-east-1")), tenant.token());
        responses.add(added);
        String id = added.json().get("id").asString();
        responses.add(api.post("/api/v1/cloud-accounts/" + id + "/verify", "", tenant.token()));
        assertThat(responses.get(1).json().at("/verification/status").asString()).isEqualTo("verified");
        assertThat(TestCloud.syncAndWait(api, tenant.token(), id).at("/sync/status").asString()).isEqualTo("succeeded");
        responses.add(api.get("/api/v1/cloud-accounts", tenant.token()));
        responses.add(api.get("/api/v1/cloud-accounts/" + id, tenant.token()));
        responses.add(api.get("/api/v1/cloud-accounts/" + id + "/resources", tenant.token()));
        responses.add(api.get("/api/v1/activity", tenant.token()));
        responses.add(api.post("/api/v1/cloud-accounts", Map.of("name", "Again", "provider", "aws", "roleArn", role.arn(),
                "regions", List.of("us-east-1")), tenant.token())); // 409, must not echo the ARN

        // a scheduled job (its tick is in the scheduler's table) and a run of it, with its own session
        String job = TestCloud.createJob(api, tenant.token(), id, Map.of("name", "Canary stop", "type", "stop_instances",
                "schedule", "0 19 * * 1-5", "timezone", "Europe/Berlin", "parameters", Map.of("tags", Map.of("env", "dev")))).get("id").asString();
        JsonNode run = TestCloud.runAndWait(api, tenant.token(), job, true);
        assertThat(run.get("status").asString()).as(run.toString()).isEqualTo("succeeded");
        responses.add(api.get("/api/v1/jobs/" + job, tenant.token()));
        responses.add(api.get("/api/v1/jobs/" + job + "/runs", tenant.token()));
        responses.add(api.get("/api/v1/jobs/" + job + "/runs/" + run.get("id").asString(), tenant.token()));

        // every temporary credential the sandbox issued for this role (the verification's, the sync's and the run's sessions)
        List<CloudSim.Issued> issued = sandbox.sim().issued().stream().filter(i -> i.roleArn().equals(role.arn())).toList();
        assertThat(issued).hasSize(3);
        List<String> canaries = new ArrayList<>(List.of(role.arn(), roleName, ACCOUNT, externalId));
        for (CloudSim.Issued i : issued) {
            canaries.addAll(List.of(i.key().accessKeyId(), i.key().secretAccessKey(), i.sessionToken()));
        }

        for (Api.Response r : responses) {
            for (String canary : canaries) {
                assertThat(r.body()).as("response %d", r.status()).doesNotContain(canary);
                r.headers().map().forEach((name, values) -> assertThat(values.toString()).as(name).doesNotContain(canary));
            }
        }
        assertThat(setup.body()).as("the setup answer is the one place the external ID is shown").contains(externalId);

        org.slf4j.LoggerFactory.getLogger(CloudCanaryTest.class).warn("cloud log capture check {}", tag.length());
        assertThat(output.getAll()).contains("cloud log capture check 16");
        String dump = TestDatabase.pgDump();
        String history = TestDatabase.activityRows();
        assertThat(dump).as("the control: the account is in the dump").contains(id);
        assertThat(dump).as("the control: so are the job's scheduler entry and its run").contains("scheduled_tasks").contains(job)
                .contains(run.get("id").asString());
        assertThat(history).as("the control: its events are in the history").contains(id);
        for (String canary : canaries) {
            assertThat(output.getAll()).as("log output").doesNotContain(canary);
            assertThat(history).as("activity events").doesNotContain(canary);
            assertThat(dump).as("pg_dump").doesNotContain(canary)
                    .doesNotContain(HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
