package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.json.JsonMapper;

/** The CloudFormation template and the IAM policy, parsed as AWS would parse them. */
class SetupDocumentsTest {

    static final String PRINCIPAL = "arn:aws:iam::100200300400:role/cloudwarden-platform";
    static final String EXTERNAL_ID = "cw-0123456789abcdef0123456789abcdef01234567";

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @Test
    void theTemplateCreatesARoleThatTrustsOnlyThePlatformWithTheExternalId() {
        String yaml = SetupDocuments.cloudFormationTemplate(PRINCIPAL, EXTERNAL_ID, "aws", SetupDocuments.Features.INVENTORY_ONLY);
        Map<String, Object> template = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml));
        assertThat(template.get("AWSTemplateFormatVersion")).isEqualTo("2010-09-09");
        Map<String, Object> role = map(map(template.get("Resources")).get("CloudwardenRole"));
        assertThat(role.get("Type")).isEqualTo("AWS::IAM::Role");
        Map<String, Object> properties = map(role.get("Properties"));
        assertThat(properties.get("MaxSessionDuration")).isEqualTo(3600);
        List<Object> trust = list(map(properties.get("AssumeRolePolicyDocument")).get("Statement"));
        assertThat(trust).hasSize(1);
        Map<String, Object> statement = map(trust.get(0));
        assertThat(statement.get("Effect")).isEqualTo("Allow");
        assertThat(statement.get("Action")).isEqualTo("sts:AssumeRole");
        assertThat(map(statement.get("Principal"))).containsExactly(Map.entry("AWS", PRINCIPAL));
        assertThat(map(map(statement.get("Condition")).get("StringEquals"))).containsExactly(Map.entry("sts:ExternalId", EXTERNAL_ID));
        Map<String, Object> policy = map(map(list(properties.get("Policies")).get(0)).get("PolicyDocument"));
        assertThat(policy).isEqualTo(SetupDocuments.policy("aws", SetupDocuments.Features.INVENTORY_ONLY));
        assertThat(map(map(template.get("Outputs")).get("RoleArn")).get("Value")).isEqualTo(Map.of("Fn::GetAtt", List.of("CloudwardenRole", "Arn")));
    }

    @Test
    void theDefaultPolicyIsReadOnlyInventoryWithNoWildcardAction() {
        Map<String, Object> policy = JsonMapper.builder().build().readValue(
                SetupDocuments.policyJson("aws", SetupDocuments.Features.INVENTORY_ONLY), Map.class);
        List<Object> statements = list(policy.get("Statement"));
        assertThat(statements).hasSize(1);
        assertThat(actions(statements)).containsExactlyInAnyOrder("ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes",
                "ec2:DescribeSnapshots");
        assertThat(map(statements.get(0)).get("Effect")).isEqualTo("Allow");
    }

    @Test
    void startStopAndSnapshotStatementsComeOnlyWithTheirJobsAndAreTagConditioned() {
        Map<String, Object> policy = SetupDocuments.policy("aws-us-gov",
                new SetupDocuments.Features(List.of(Map.of("env", "dev"), Map.of("env", "dev")), List.of(Map.of("backup", "daily"))));
        assertThat(list(policy.get("Statement")).stream().filter(st -> list(map(st).get("Action")).contains("ec2:StopInstances")))
                .as("one statement per distinct tag selection").hasSize(1);
        List<Object> statements = list(policy.get("Statement"));
        assertThat(actions(statements)).contains("ec2:StartInstances", "ec2:StopInstances", "ec2:CreateSnapshot", "ec2:DeleteSnapshot",
                        "ec2:CreateTags")
                .allSatisfy(a -> assertThat(a).doesNotContain("*").startsWith("ec2:"));
        for (Object s : statements) {
            Map<String, Object> statement = map(s);
            List<Object> acts = list(statement.get("Action"));
            if (acts.contains("ec2:StartInstances")) {
                assertThat(statement.get("Resource")).isEqualTo("arn:aws-us-gov:ec2:*:*:instance/*");
                assertThat(map(map(statement.get("Condition")).get("StringEquals"))).containsExactly(Map.entry("aws:ResourceTag/env", "dev"));
            }
            if (acts.contains("ec2:CreateTags")) {
                assertThat(acts).as("tagging alone, never with a create or delete").containsExactly("ec2:CreateTags");
                assertThat(map(map(statement.get("Condition")).get("StringEquals")))
                        .as("only while creating a snapshot, so no existing snapshot can be marked as the platform's")
                        .containsExactly(Map.entry("ec2:CreateAction", "CreateSnapshot"));
            }
            if (acts.contains("ec2:DeleteSnapshot")) {
                assertThat(map(map(statement.get("Condition")).get("StringEquals")))
                        .containsExactly(Map.entry("aws:ResourceTag/cloudwarden:managed", "true"));
            }
        }
    }

    private static List<String> actions(List<Object> statements) {
        return statements.stream().flatMap(s -> list(map(s).get("Action")).stream()).map(String::valueOf).toList();
    }
}
