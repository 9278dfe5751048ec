package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * What AWS's refusals and failures become, through the real SDK against the sandbox: a code and a
 * message the customer can act on, never AWS's own text (which names ARNs and account ids).
 */
class CloudAccountErrorsTest extends IntegrationTest {

    /** An account of its own in the sandbox, so these roles and faults touch no other test's world. */
    static final String ACCOUNT = "333344445555";

    @Autowired
    SandboxAws sandbox;

    @AfterEach
    void clearFaults() {
        sandbox.sim().clearFaults();
        sandbox.sim().latency(java.time.Duration.ZERO);
    }

    record Connected(Api.Tenant tenant, String externalId) {
    }

    Connected tenant(String name) {
        Api.Tenant tenant = api.signUpAndSignIn(name);
        String externalId = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json().get("externalId").asString();
        return new Connected(tenant, externalId);
    }

    JsonNode verify(Connected c, String roleArn, List<String> regions) {
        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", "Errors", "provider", "aws", "roleArn", roleArn,
                "regions", regions), c.tenant().token());
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        Api.Response verified = api.post("/api/v1/cloud-accounts/" + added.json().get("id").asString() + "/verify", "", c.tenant().token());
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        JsonNode v = verified.json().get("verification");
        // never AWS's own words: no ARN, account id or request id in what the customer reads
        assertThat(v.toString()).doesNotContain(ACCOUNT).doesNotContain("arn:aws:sts").doesNotContain("RequestId")
                .doesNotContain("Exception").doesNotContain("Service:");
        return v;
    }

    String role(String name, String trusted, String externalId) {
        CloudSim.Role role = new CloudSim.Role(ACCOUNT, name, trusted, externalId);
        sandbox.sim().addRole(role);
        return role.arn();
    }

    @Test
    void aWrongExternalIdATrustPolicyNamingAnotherPrincipalAndAMissingRoleAreNotAssumable() {
        Connected c = tenant("Errors trust");
        String wrongId = role("WrongExternalId", SandboxAws.PLATFORM_PRINCIPAL, "cw-someone-elses-id");
        String otherPrincipal = role("TrustsSomeoneElse", "arn:aws:iam::999999999999:root", c.externalId());
        String missing = "arn:aws:iam::" + ACCOUNT + ":role/NeverCreated";
        for (String arn : List.of(wrongId, otherPrincipal, missing)) {
            JsonNode v = verify(c, arn, List.of("us-east-1"));
            assertThat(v.get("status").asString()).isEqualTo("failed");
            assertThat(v.get("code").asString()).isEqualTo("role_not_assumable");
            assertThat(v.get("message").asString()).contains("trust policy").contains(SandboxAws.PLATFORM_PRINCIPAL).contains("external ID");
        }
        JsonNode ok = verify(c, role("Right", SandboxAws.PLATFORM_PRINCIPAL, c.externalId()), List.of("us-east-1"));
        assertThat(ok.get("status").asString()).isEqualTo("verified");
        assertThat(api.get("/api/v1/activity?action=cloud_account.verified", c.tenant().token()).json().get("events").toString())
                .contains("role_not_assumable").contains("\"verified\"");
    }

    @Test
    void aRegionNotEnabledInTheAccountIsNamed() {
        Connected c = tenant("Errors region");
        sandbox.sim().account(ACCOUNT).disableRegion("ap-southeast-2");
        JsonNode v = verify(c, role("RegionCheck", SandboxAws.PLATFORM_PRINCIPAL, c.externalId()), List.of("us-east-1", "ap-southeast-2"));
        assertThat(v.get("code").asString()).isEqualTo("region_disabled");
        assertThat(v.get("message").asString()).contains("ap-southeast-2");
    }

    @Test
    void throttlingIsRetriedByTheSdkUntilItSucceeds() {
        Connected c = tenant("Errors throttle");
        String arn = role("Throttled", SandboxAws.PLATFORM_PRINCIPAL, c.externalId());
        sandbox.sim().clearCalls();
        sandbox.sim().failNext("ec2:DescribeRegions", CloudSim.FaultKind.THROTTLE, 2);
        JsonNode v = verify(c, arn, List.of("us-east-1"));
        assertThat(v.get("status").asString()).isEqualTo("verified");
        assertThat(sandbox.sim().calls().stream().filter(call -> call.action().equals("DescribeRegions")).map(CloudSim.Call::errorCode).toList())
                .containsExactly("RequestLimitExceeded", "RequestLimitExceeded", null);
    }

    @Test
    void aPermanentServerErrorAndALostConnectionSayTryLater() {
        Connected c = tenant("Errors 5xx");
        String arn = role("Broken", SandboxAws.PLATFORM_PRINCIPAL, c.externalId());
        sandbox.sim().failNext("ec2:DescribeRegions", CloudSim.FaultKind.SERVER_ERROR, 100);
        JsonNode v = verify(c, arn, List.of("us-east-1"));
        assertThat(v.get("code").asString()).isEqualTo("aws_unavailable");
        sandbox.sim().clearFaults();
        sandbox.sim().failNext("sts:AssumeRole", CloudSim.FaultKind.DROP_CONNECTION, 100);
        Api.Response second = api.post("/api/v1/cloud-accounts", Map.of("name", "Dropped", "provider", "aws",
                "roleArn", role("Dropped", SandboxAws.PLATFORM_PRINCIPAL, c.externalId()), "regions", List.of("us-east-1")), c.tenant().token());
        JsonNode dropped = api.post("/api/v1/cloud-accounts/" + second.json().get("id").asString() + "/verify", "", c.tenant().token())
                .json().get("verification");
        assertThat(dropped.get("code").asString()).isEqualTo("aws_unreachable");
    }

    @Test
    void anActionOutsideTheRolesPolicyIsAPermissionProblem() {
        Connected c = tenant("Errors policy");
        CloudSim.Role role = new CloudSim.Role(ACCOUNT, "NoEc2", SandboxAws.PLATFORM_PRINCIPAL, c.externalId(),
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeVolumes\",\"Resource\":\"*\"}]}");
        sandbox.sim().addRole(role);
        JsonNode v = verify(c, role.arn(), List.of("us-east-1"));
        assertThat(v.get("code").asString()).isEqualTo("permission_missing");
    }

    @Test
    void aSessionThatAwsFindsExpiredDuringASyncIsReplacedOnce() throws Exception {
        Connected c = tenant("Errors expired");
        String arn = role("Expiring", SandboxAws.PLATFORM_PRINCIPAL, c.externalId());
        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", "Expiring", "provider", "aws", "roleArn", arn,
                "regions", List.of("us-east-1")), c.tenant().token());
        String id = added.json().get("id").asString();
        sandbox.sim().latency(java.time.Duration.ofMillis(400));
        assertThat(api.post("/api/v1/cloud-accounts/" + id + "/sync", "", c.tenant().token()).status()).isEqualTo(202);
        // as soon as the run has its session, AWS's clock passes the session's end (a clock ahead of the node's)
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (sandbox.sim().issued().stream().noneMatch(i -> i.roleArn().equals(arn)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        String firstSession = sandbox.sim().issued().stream().filter(i -> i.roleArn().equals(arn)).findFirst().orElseThrow().roleSessionName();
        sandbox.sim().expireSessions();
        JsonNode account;
        do {
            Thread.sleep(100);
            account = api.get("/api/v1/cloud-accounts/" + id, c.tenant().token()).json();
        } while ("running".equals(account.at("/sync/status").asString()) && System.nanoTime() < deadline);
        sandbox.sim().latency(java.time.Duration.ZERO);

        assertThat(account.at("/sync/status").asString()).as(account.toString()).isEqualTo("succeeded");
        String secondSession = account.at("/sync/roleSessionName").asString();
        assertThat(secondSession).as("a new session replaced the expired one").isNotEqualTo(firstSession);
        assertThat(sandbox.sim().calls()).anySatisfy(call -> {
            assertThat(call.roleSessionName()).isEqualTo(firstSession);
            assertThat(call.errorCode()).isEqualTo("RequestExpired");
        });
        assertThat(sandbox.sim().issued()).filteredOn(i -> i.roleArn().equals(arn)).hasSize(2);
        assertThat(sandbox.sim().calls()).filteredOn(call -> secondSession.equals(call.roleSessionName())).isNotEmpty()
                .allSatisfy(call -> assertThat(call.errorCode()).isNull());
    }
}
