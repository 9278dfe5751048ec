package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A sync run's life: one at a time per account, a session of its own each run, a failure outside
 * AWS still ends it (as failed, with its event), and a deleted account's run stops and records nothing.
 */
class CloudSyncRunTest extends IntegrationTest {

    /** Accounts of their own in the sandbox; the broken one holds what the inventory refuses. */
    static final String ACCOUNT = "555566667777";
    static final String BROKEN = "555566668888";

    @Autowired
    SandboxAws sandbox;

    @AfterEach
    void calm() {
        sandbox.sim().latency(Duration.ZERO);
        sandbox.sim().clearFaults();
    }

    record Added(Api.Tenant tenant, String id, String roleArn) {
    }

    Added add(String organisation, String roleName) {
        return add(organisation, roleName, ACCOUNT);
    }

    Added add(String organisation, String roleName, String accountId) {
        Api.Tenant tenant = api.signUpAndSignIn(organisation);
        String externalId = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json().get("externalId").asString();
        CloudSim.Role role = new CloudSim.Role(accountId, roleName, SandboxAws.PLATFORM_PRINCIPAL, externalId);
        sandbox.sim().addRole(role);
        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", roleName, "provider", "aws", "roleArn", role.arn(),
                "regions", List.of("us-east-1")), tenant.token());
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        return new Added(tenant, added.json().get("id").asString(), role.arn());
    }

    long events(Api.Tenant tenant, String action) {
        return api.get("/api/v1/activity?action=" + action, tenant.token()).json().get("events").size();
    }

    @Test
    void oneSyncAtATimeAndEachRunHasASessionOfItsOwn() throws Exception {
        Added a = add("Sync runs", "SyncRuns");
        sandbox.sim().latency(Duration.ofMillis(300));
        assertThat(api.post("/api/v1/cloud-accounts/" + a.id() + "/sync", "", a.tenant().token()).status()).isEqualTo(202);
        Api.Response second = api.post("/api/v1/cloud-accounts/" + a.id() + "/sync", "", a.tenant().token());
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.json().get("error").asString()).isEqualTo("sync_running");
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode first;
        do {
            Thread.sleep(100);
            first = api.get("/api/v1/cloud-accounts/" + a.id(), a.tenant().token()).json();
        } while ("running".equals(first.at("/sync/status").asString()) && System.nanoTime() < deadline);
        assertThat(first.at("/sync/status").asString()).isEqualTo("succeeded");
        sandbox.sim().latency(Duration.ZERO);

        JsonNode again = TestCloud.syncAndWait(api, a.tenant().token(), a.id());
        assertThat(again.at("/sync/status").asString()).isEqualTo("succeeded");
        assertThat(again.at("/sync/roleSessionName").asString()).as("each run opens its own session")
                .isNotEqualTo(first.at("/sync/roleSessionName").asString());
        assertThat(sandbox.sim().issued()).filteredOn(i -> i.roleArn().equals(a.roleArn())).hasSize(2);
        assertThat(events(a.tenant(), "cloud_account.synced")).isEqualTo(2);
    }

    @Test
    void aFailureOutsideAwsEndsTheRunAsFailedWithItsEvent() throws Exception {
        Added a = add("Sync breaks", "SyncBreaks", BROKEN);
        // an instance type longer than the inventory's column allows: AWS answers, the database refuses
        sandbox.sim().account(BROKEN).addInstance("us-east-1", "x".repeat(50), "running", Map.of());
        JsonNode failed = TestCloud.syncAndWait(api, a.tenant().token(), a.id());
        assertThat(failed.at("/sync/status").asString()).isEqualTo("failed");
        assertThat(failed.at("/sync/code").asString()).isEqualTo("sync_failed");
        assertThat(failed.at("/sync/message").asString()).doesNotContain("x".repeat(50)).doesNotContain("Exception");
        String events = api.get("/api/v1/activity?action=cloud_account.synced", a.tenant().token()).json().toString();
        assertThat(events).contains("sync_failed");
        assertThat(TestDatabase.count("select count(*) from cloud_resources where account_id = ?", UUID.fromString(a.id())))
                .as("nothing half-written").isZero();
        assertThat(api.post("/api/v1/cloud-accounts/" + a.id() + "/sync", "", a.tenant().token()).status())
                .as("not left running: a new sync may start").isEqualTo(202);
    }

    @Test
    void deletingAnAccountStopsItsRunningSyncWhichRecordsNothing() throws Exception {
        Added a = add("Sync deleted", "SyncDeleted");
        sandbox.sim().latency(Duration.ofMillis(500));
        assertThat(api.post("/api/v1/cloud-accounts/" + a.id() + "/sync", "", a.tenant().token()).status()).isEqualTo(202);
        Thread.sleep(200);
        assertThat(api.delete("/api/v1/cloud-accounts/" + a.id(), a.tenant().token()).status()).isEqualTo(204);
        Thread.sleep(1_500);
        assertThat(events(a.tenant(), "cloud_account.synced")).as("the stopped run records nothing").isZero();
        assertThat(TestDatabase.count("select count(*) from cloud_resources where account_id = ?", UUID.fromString(a.id()))).isZero();
        assertThat(TestDatabase.count("select count(*) from cloud_accounts where id = ?", UUID.fromString(a.id()))).isZero();
    }
}
