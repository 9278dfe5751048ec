package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Jobs as Cloud Custodian-shaped policies: accepted, shown back the same way, and every unknown key, filter or action named. */
class JobPolicyYamlTest extends IntegrationTest {

    Api.Response postYaml(String yaml, String token) {
        return api.send(api.request("/api/v1/jobs", token).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)).build());
    }

    @Test
    void aPolicyBecomesAJobAndReadsBackAsThePolicy() {
        Api.Tenant t = api.signUpAndSignIn("Jobs YAML");
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1", "eu-west-1")).get("id").asString();
        String policy = """
                policies:
                  - name: stop-dev-at-night
                    resource: aws.ec2
                    filters:
                      - "tag:env": dev
                    actions:
                      - stop
                    mode:
                      type: periodic
                      schedule: "0 19 * * 1-5"
                      timezone: Europe/Berlin
                    cloudwarden:
                      cloudAccountId: %s
                      regions: [us-east-1]
                """.formatted(account);
        Api.Response created = postYaml(policy, t.token());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode job = created.json();
        assertThat(job.get("type").asString()).isEqualTo("stop_instances");
        assertThat(job.at("/parameters/tags/env").asString()).isEqualTo("dev");
        assertThat(job.at("/parameters/regions/0").asString()).isEqualTo("us-east-1");
        assertThat(job.get("timezone").asString()).isEqualTo("Europe/Berlin");

        Api.Response yaml = api.send(api.request("/api/v1/jobs/" + job.get("id").asString(), t.token()).header("Accept", "application/yaml").GET().build());
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.header("Content-Type")).startsWith("application/yaml");
        assertThat(yaml.body()).contains("name: stop-dev-at-night").contains("resource: aws.ec2").contains("tag:env: dev").contains("- stop")
                .contains("type: periodic").contains("cloudAccountId: " + account);
        // what it shows, it takes back
        Api.Response again = postYaml(yaml.body().replace("stop-dev-at-night", "copy"), t.token());
        assertThat(again.status()).as(again.body()).isEqualTo(201);
        assertThat(again.json().get("parameters")).isEqualTo(job.get("parameters"));
    }

    @Test
    void unknownKeysFiltersAndActionsAreNamed() {
        Api.Tenant t = api.signUpAndSignIn("Jobs YAML bad");
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1")).get("id").asString();
        String base = "name: x\nresource: aws.ec2\nfilters:\n  - \"tag:env\": dev\nactions: [stop]\ncloudwarden: {cloudAccountId: " + account + "}\n";
        Map<String, String> cases = Map.of(
                base + "region: us-east-1\n", "region",
                base.replace("actions: [stop]", "actions: [terminate]"), "actions",
                base.replace("\"tag:env\": dev", "type: marked-for-op"), "filters[0]",
                base.replace("resource: aws.ec2", "resource: aws.s3"), "actions",
                base + "mode: {type: pull}\n", "mode.type",
                base + "mode: {type: periodic, schedule: \"cron(0 19 ? * MON-FRI *)\"}\n", "mode.schedule",
                base.replace("cloudwarden: {", "cloudwarden: {profile: x, "), "cloudwarden.profile",
                "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: &d [*c, *c, *c]\ne: &e [*d, *d, *d]\nf: &f [*e, *e, *e]\n"
                        + "g: &g [*f, *f, *f]\nh: &h [*g, *g, *g]\ni: &i [*h, *h, *h]\nj: &j [*i, *i, *i]\nk: [*j, *j, *j]\n", "body",
                "{ not: yaml: at all", "body");
        cases.forEach((yaml, field) -> {
            Api.Response r = postYaml(yaml, t.token());
            assertThat(r.status()).as(yaml + " -> " + r.body()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(yaml).isEqualTo(field);
        });
        assertThat(api.get("/api/v1/jobs", t.token()).json()).isEmpty();
    }
}
