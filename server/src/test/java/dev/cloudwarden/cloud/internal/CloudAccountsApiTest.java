package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The cloud-account journey through the API, against the sandbox AWS over HTTPS with the real SDK:
 * setup, add, verify (a fresh STS session), sync (another), the inventory in pages, delete. Every
 * step leaves its activity event with the session's name.
 */
class CloudAccountsApiTest extends IntegrationTest {

    @Autowired
    SandboxAws sandbox;

    @Test
    void setupGivesAStableExternalIdTheTemplateThePolicyAndInDevASandboxRole() {
        Api.Tenant tenant = api.signUpAndSignIn("Cloud setup");
        JsonNode setup = api.get("/api/v1/cloud-accounts/setup", tenant.token()).json();
        String externalId = setup.get("externalId").asString();
        assertThat(externalId).matches("cw-[0-9a-f]{40}");
        assertThat(setup.get("platformPrincipal").asString()).isEqualTo(SandboxAws.PLATFORM_PRINCIPAL);
        assertThat(setup.get("cloudFormationTemplate").asString()).contains("AWS::IAM::Role").contains(externalId)
                .contains(SandboxAws.PLATFORM_PRINCIPAL);
        assertThat(setup.at("/iamPolicy/Statement/0/Action").toString()).contains("ec2:DescribeInstances").doesNotContain("\"*\"");
        assertThat(setup.at("/sandbox/roleArn").asString()).startsWith("arn:aws:iam::" + sandbox.accountId() + ":role/CloudwardenSandbox-");
        assertThat(api.get("/api/v1/cloud-accounts/setup", tenant.token()).json().get("externalId").asString())
                .as("stable per tenant").isEqualTo(externalId);
        Api.Tenant other = api.signUpAndSignIn("Cloud setup other");
        assertThat(api.get("/api/v1/cloud-accounts/setup", other.token()).json().get("externalId").asString())
                .as("each tenant has its own").isNotEqualTo(externalId);
    }

    @Test
    void addVerifySyncBrowseAndDelete() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Cloud journey");
        JsonNode account = TestCloud.addSandboxAccount(api, tenant.token(), List.of("us-east-1", "eu-west-1"));
        String id = account.get("id").asString();
        assertThat(account.get("roleArnMasked").asString()).isEqualTo("arn:aws:iam::2109****4321:role/…");
        assertThat(account.toString()).doesNotContain("CloudwardenSandbox-").doesNotContain(sandbox.accountId());
        assertThat(account.at("/verification/status").asString()).isEqualTo("unverified");
        assertThat(api.get("/api/v1/cloud-accounts", tenant.token()).json()).hasSize(1);

        JsonNode verified = api.post("/api/v1/cloud-accounts/" + id + "/verify", "", tenant.token()).json();
        assertThat(verified.at("/verification/status").asString()).as(verified.toString()).isEqualTo("verified");
        String verifySession = verified.at("/verification/roleSessionName").asString();
        assertThat(verifySession).matches("cw-" + tenant.tenantId().toString().substring(0, 8) + "-verify-[0-9a-f]{12}");
        assertThat(sandbox.sim().calls()).anySatisfy(c -> {
            assertThat(c.action()).isEqualTo("DescribeRegions");
            assertThat(c.roleSessionName()).isEqualTo(verifySession);
            assertThat(c.errorCode()).isNull();
        });

        JsonNode synced = TestCloud.syncAndWait(api, tenant.token(), id);
        assertThat(synced.at("/sync/status").asString()).as(synced.toString()).isEqualTo("succeeded");
        String syncSession = synced.at("/sync/roleSessionName").asString();
        assertThat(syncSession).matches("cw-[0-9a-f]{8}-sync-[0-9a-f]{12}");

        // the inventory is exactly the sandbox account's, in both regions
        CloudSim sim = sandbox.sim();
        Set<String> expected = new HashSet<>();
        for (String region : List.of("us-east-1", "eu-west-1")) {
            sim.account(sandbox.accountId()).instances(region).forEach(i -> expected.add(i.id()));
            sim.account(sandbox.accountId()).volumes(region).forEach(v -> expected.add(v.id()));
        }
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get("/api/v1/cloud-accounts/" + id + "/resources?limit=2" + (cursor == null ? "" : "&cursor=" + cursor),
                    tenant.token()).json();
            assertThat(page.get("resources").size()).isLessThanOrEqualTo(2);
            page.get("resources").forEach(r -> {
                assertThat(seen.add(r.get("id").asString())).as("no resource twice across pages").isTrue();
                order.add(r.get("kind").asString() + "/" + r.get("region").asString() + "/" + r.get("id").asString());
            });
            cursor = page.get("cursor").isNull() ? null : page.get("cursor").asString();
        } while (cursor != null);
        assertThat(seen).containsAll(expected);
        assertThat(order).isSorted();

        JsonNode running = api.get("/api/v1/cloud-accounts/" + id + "/resources?kind=instance&state=running", tenant.token()).json();
        assertThat(running.get("resources")).isNotEmpty().allSatisfy(r -> {
            assertThat(r.get("kind").asString()).isEqualTo("instance");
            assertThat(r.get("state").asString()).isEqualTo("running");
        });
        long expectedRunning = List.of("us-east-1", "eu-west-1").stream()
                .flatMap(region -> sim.account(sandbox.accountId()).instances(region).stream()).filter(i -> i.state().equals("running")).count();
        assertThat(running.get("resources")).hasSize((int) expectedRunning);
        JsonNode anyInstance = running.get("resources").get(0);
        String tagKey = anyInstance.get("tags").propertyNames().iterator().next();
        String tagValue = anyInstance.get("tags").get(tagKey).asString();
        JsonNode tagged = api.get("/api/v1/cloud-accounts/" + id + "/resources?tag=" + tagKey + "=" + tagValue, tenant.token()).json();
        assertThat(tagged.get("resources")).isNotEmpty().allSatisfy(r -> assertThat(r.at("/tags/" + tagKey).asString()).isEqualTo(tagValue));
        JsonNode euOnly = api.get("/api/v1/cloud-accounts/" + id + "/resources?region=eu-west-1", tenant.token()).json();
        assertThat(euOnly.get("resources")).isNotEmpty().allSatisfy(r -> assertThat(r.get("region").asString()).isEqualTo("eu-west-1"));

        // every step is in the activity history, with the session names the customer's CloudTrail shows
        JsonNode events = api.get("/api/v1/activity?action=cloud_account.verified", tenant.token()).json().get("events");
        assertThat(events.toString()).contains(verifySession).doesNotContain(sandbox.accountId());
        JsonNode syncedEvents = api.get("/api/v1/activity?action=cloud_account.synced", tenant.token()).json().get("events");
        assertThat(syncedEvents.toString()).contains(syncSession).contains("\"succeeded\"");
        assertThat(api.get("/api/v1/activity?action=cloud_account.added", tenant.token()).json().get("events")).hasSize(1);

        assertThat(api.delete("/api/v1/cloud-accounts/" + id, tenant.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/cloud-accounts/" + id, tenant.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/cloud-accounts/" + id + "/resources", tenant.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/activity?action=cloud_account.deleted", tenant.token()).json().get("events")).hasSize(1);
    }

    @Test
    void badInputsNameTheFieldAndChangeNothing() {
        Api.Tenant tenant = api.signUpAndSignIn("Cloud bad input");
        String good = "arn:aws:iam::123456789012:role/CloudwardenAccess";
        Api.Response beforeSetup = api.post("/api/v1/cloud-accounts", Map.of("name", "n", "provider", "aws", "roleArn", good,
                "regions", List.of("us-east-1")), tenant.token());
        assertThat(beforeSetup.status()).as("the trust policy needs the external ID the setup makes").isEqualTo(409);
        assertThat(beforeSetup.json().get("error").asString()).isEqualTo("setup_required");
        assertThat(api.get("/api/v1/cloud-accounts/setup", tenant.token()).status()).isEqualTo(200);
        record Case(Object body, String field) {
        }
        List<Case> cases = List.of(
                new Case(Map.of("name", "", "provider", "aws", "roleArn", good, "regions", List.of("us-east-1")), "name"),
                new Case(Map.of("name", "x".repeat(101), "provider", "aws", "roleArn", good, "regions", List.of("us-east-1")), "name"),
                new Case(Map.of("name", "a\u0007b", "provider", "aws", "roleArn", good, "regions", List.of("us-east-1")), "name"),
                new Case(Map.of("name", "n", "provider", "gcp", "roleArn", good, "regions", List.of("us-east-1")), "provider"),
                new Case(Map.of("name", "n", "roleArn", good, "regions", List.of("us-east-1")), "provider"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", "arn:aws:iam::123:role/x", "regions", List.of("us-east-1")), "roleArn"),
                new Case(Map.of("name", "n", "provider", "aws", "regions", List.of("us-east-1")), "roleArn"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", good, "regions", List.of()), "regions"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", good, "regions", List.of("moon-1")), "regions"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", good, "regions", List.of("us-east-1'; --")), "regions"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", good, "regions", List.of("xx-nowhere-9")), "regions"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", good, "regions", List.of("cn-north-1")), "regions"),
                new Case(Map.of("name", "n", "provider", "aws", "roleArn", "arn:aws-cn:iam::123456789012:role/CloudwardenAccess",
                        "regions", List.of("us-east-1")), "roleArn"));
        for (Case c : cases) {
            Api.Response r = api.post("/api/v1/cloud-accounts", c.body(), tenant.token());
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().path("field").asString("")).as(r.body()).isEqualTo(c.field());
            assertThat(r.body()).doesNotContain("Exception").doesNotContain("at dev.");
        }
        Api.Response unknown = api.post("/api/v1/cloud-accounts", "{\"name\":\"n\",\"provider\":\"aws\",\"roleArn\":\"" + good
                + "\",\"regions\":[\"us-east-1\"],\"roleArnClear\":\"x\"}", tenant.token());
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(api.get("/api/v1/cloud-accounts", tenant.token()).json()).as("nothing was added").isEmpty();

        Api.Response added = api.post("/api/v1/cloud-accounts", Map.of("name", "n", "provider", "aws", "roleArn", good,
                "regions", List.of("us-east-1", "us-east-1")), tenant.token());
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().get("regions")).hasSize(1);
        Api.Response again = api.post("/api/v1/cloud-accounts", Map.of("name", "again", "provider", "aws", "roleArn", good,
                "regions", List.of("us-east-1")), tenant.token());
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asString()).isEqualTo("account_exists");

        String id = added.json().get("id").asString();
        for (String query : List.of("kind=database", "region=mars", "limit=0", "limit=501", "limit=x", "cursor=Zm9v", "cursor=!!!", "state=RUN;",
                "sort=id", "kind=instance&kind=volume", "tag=k=" + "v".repeat(257))) {
            Api.Response r = api.get("/api/v1/cloud-accounts/" + id + "/resources?" + query, tenant.token());
            assertThat(r.status()).as(query + ": " + r.body()).isEqualTo(400);
            String param = query.substring(0, query.indexOf('='));
            assertThat(r.json().get("field").asString()).as("the parameter is named").isEqualTo(param);
        }
        for (String bad : List.of("not-a-uuid", "00000000-0000-0000-0000-000000000000")) {
            assertThat(api.get("/api/v1/cloud-accounts/" + bad, tenant.token()).status()).isEqualTo(404);
            assertThat(api.post("/api/v1/cloud-accounts/" + bad + "/verify", "", tenant.token()).status()).isEqualTo(404);
        }
    }
}
