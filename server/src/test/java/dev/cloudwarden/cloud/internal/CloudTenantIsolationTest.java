package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Tenant A cannot see, verify, sync or delete B's accounts or resources (404, as for an id that does
 * not exist), and A's sessions are never used for B: the sandbox records which credentials made
 * each call, and every call of a session named for A acts through A's role only.
 */
class CloudTenantIsolationTest extends IntegrationTest {

    @Autowired
    SandboxAws sandbox;

    @Test
    void noTenantReachesAnotherTenantsAccountsResourcesOrSessions() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Isolation cloud A");
        Api.Tenant b = api.signUpAndSignIn("Isolation cloud B");
        String aId = TestCloud.addSandboxAccount(api, a.token(), List.of("us-east-1")).get("id").asString();
        String bId = TestCloud.addSandboxAccount(api, b.token(), List.of("us-east-1")).get("id").asString();
        String aRole = api.get("/api/v1/cloud-accounts/setup", a.token()).json().at("/sandbox/roleArn").asString();
        String bRole = api.get("/api/v1/cloud-accounts/setup", b.token()).json().at("/sandbox/roleArn").asString();
        assertThat(aRole).isNotEqualTo(bRole);
        api.post("/api/v1/cloud-accounts/" + aId + "/verify", "", a.token());
        api.post("/api/v1/cloud-accounts/" + bId + "/verify", "", b.token());
        assertThat(TestCloud.syncAndWait(api, a.token(), aId).at("/sync/status").asString()).isEqualTo("succeeded");
        assertThat(TestCloud.syncAndWait(api, b.token(), bId).at("/sync/status").asString()).isEqualTo("succeeded");

        // B asks for A's account every way there is: the answer is the one for an id that does not exist
        for (Api.Response r : List.of(api.get("/api/v1/cloud-accounts/" + aId, b.token()),
                api.get("/api/v1/cloud-accounts/" + aId + "/resources", b.token()),
                api.post("/api/v1/cloud-accounts/" + aId + "/verify", "", b.token()),
                api.post("/api/v1/cloud-accounts/" + aId + "/sync", "", b.token()),
                api.delete("/api/v1/cloud-accounts/" + aId, b.token()))) {
            assertThat(r.status()).as(r.body()).isEqualTo(404);
            assertThat(r.body()).doesNotContain(aId);
        }
        JsonNode bList = api.get("/api/v1/cloud-accounts", b.token()).json();
        assertThat(bList).hasSize(1);
        assertThat(bList.get(0).get("id").asString()).isEqualTo(bId);
        assertThat(api.get("/api/v1/cloud-accounts/" + aId, a.token()).status()).as("A's account is untouched").isEqualTo(200);

        // every call made with a session named for a tenant went through that tenant's own role
        String aPrefix = "cw-" + a.tenantId().toString().substring(0, 8) + "-";
        String bPrefix = "cw-" + b.tenantId().toString().substring(0, 8) + "-";
        List<CloudSim.Call> aCalls = sandbox.sim().calls().stream().filter(c -> c.roleSessionName() != null
                && c.roleSessionName().startsWith(aPrefix)).toList();
        List<CloudSim.Call> bCalls = sandbox.sim().calls().stream().filter(c -> c.roleSessionName() != null
                && c.roleSessionName().startsWith(bPrefix)).toList();
        assertThat(aCalls).isNotEmpty().allSatisfy(c -> assertThat(c.roleArn()).isEqualTo(aRole));
        assertThat(bCalls).isNotEmpty().allSatisfy(c -> assertThat(c.roleArn()).isEqualTo(bRole));
        assertThat(aCalls.stream().map(CloudSim.Call::accessKeyId)).doesNotContainAnyElementsOf(bCalls.stream().map(CloudSim.Call::accessKeyId).toList());
    }
}
