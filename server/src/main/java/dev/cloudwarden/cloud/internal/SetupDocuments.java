package dev.cloudwarden.cloud.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Promise P10: what a customer deploys so that only this platform, with this tenant's external ID,
 * can use their account: the IAM policy with least privilege for the features the tenant uses, and
 * a CloudFormation template that creates the role trusting the platform's principal on the
 * condition {@code sts:ExternalId}. Both are built as data and serialised, never by pasting strings.
 */
final class SetupDocuments {

    static final String ROLE_NAME = "CloudwardenAccess";
    static final List<String> INVENTORY_ACTIONS = List.of("ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes",
            "ec2:DescribeSnapshots");

    /**
     * What the tenant's jobs need beyond read-only inventory: the tag selection of each start/stop job
     * and of each snapshot job, which the statements' conditions then require (none: no statement).
     */
    record Features(List<Map<String, String>> startStopTags, List<Map<String, String>> snapshotTags) {
        static final Features INVENTORY_ONLY = new Features(List.of(), List.of());

        Features {
            startStopTags = List.copyOf(new java.util.LinkedHashSet<>(startStopTags));
            snapshotTags = List.copyOf(new java.util.LinkedHashSet<>(snapshotTags));
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** Session policies count against AssumeRole's packed size: no indentation. */
    private static final JsonMapper COMPACT = JsonMapper.builder().build();

    private SetupDocuments() {
    }

    /** The IAM policy document: explicit actions only, never a wildcard action. */
    static Map<String, Object> policy(String partition, Features features) {
        List<Object> statements = new ArrayList<>();
        statements.add(statement("InventoryReadOnly", INVENTORY_ACTIONS, "*", null));
        int n = 0;
        for (Map<String, String> tags : features.startStopTags()) {
            statements.add(statement("StartStopTaggedInstances" + ++n, List.of("ec2:StartInstances", "ec2:StopInstances"),
                    "arn:" + partition + ":ec2:*:*:instance/*", tagCondition(tags)));
        }
        n = 0;
        for (Map<String, String> tags : features.snapshotTags()) {
            statements.add(statement("SnapshotTaggedVolumes" + ++n, List.of("ec2:CreateSnapshot"), "arn:" + partition + ":ec2:*:*:volume/*",
                    tagCondition(tags)));
        }
        if (!features.snapshotTags().isEmpty()) {
            statements.add(statement("CreateSnapshotsTaggedByCloudwarden", List.of("ec2:CreateSnapshot"),
                    "arn:" + partition + ":ec2:*::snapshot/*", Map.of("StringEquals", Map.of("aws:RequestTag/cloudwarden:managed", "true"))));
            // tags only while creating a snapshot, so no existing snapshot can be marked as the platform's (and then deleted)
            statements.add(statement("TagOnlyNewSnapshots", List.of("ec2:CreateTags"), "arn:" + partition + ":ec2:*::snapshot/*",
                    Map.of("StringEquals", Map.of("ec2:CreateAction", "CreateSnapshot"))));
            statements.add(statement("DeleteOnlyCloudwardenSnapshots", List.of("ec2:DeleteSnapshot"), "arn:" + partition + ":ec2:*::snapshot/*",
                    Map.of("StringEquals", Map.of("aws:ResourceTag/cloudwarden:managed", "true"))));
        }
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", statements);
        return policy;
    }

    static String policyJson(String partition, Features features) {
        return JSON.writeValueAsString(policy(partition, features));
    }

    /** A session policy (AssumeRole's {@code Policy}): these actions, nothing else, whatever the role allows. */
    static String sessionPolicyJson(List<String> actions) {
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", List.of(statement("SessionScope", actions, "*", null)));
        return COMPACT.writeValueAsString(policy);
    }

    /** The trust policy: the platform's principal may assume the role, only with the tenant's external ID. */
    static Map<String, Object> trustPolicy(String platformPrincipal, String externalId) {
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("Effect", "Allow");
        statement.put("Principal", Map.of("AWS", platformPrincipal));
        statement.put("Action", "sts:AssumeRole");
        statement.put("Condition", Map.of("StringEquals", Map.of("sts:ExternalId", externalId)));
        Map<String, Object> trust = new LinkedHashMap<>();
        trust.put("Version", "2012-10-17");
        trust.put("Statement", List.of(statement));
        return trust;
    }

    /** A CloudFormation template (YAML) that creates the role with both policies and outputs its ARN. */
    static String cloudFormationTemplate(String platformPrincipal, String externalId, String partition, Features features) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("RoleName", ROLE_NAME);
        properties.put("Description", "Lets Cloudwarden read this account's inventory (and run the jobs enabled for it) with short STS sessions");
        properties.put("MaxSessionDuration", 3600);
        properties.put("AssumeRolePolicyDocument", trustPolicy(platformPrincipal, externalId));
        properties.put("Policies", List.of(Map.of("PolicyName", "CloudwardenLeastPrivilege", "PolicyDocument", policy(partition, features))));
        Map<String, Object> role = new LinkedHashMap<>();
        role.put("Type", "AWS::IAM::Role");
        role.put("Properties", properties);
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("AWSTemplateFormatVersion", "2010-09-09");
        template.put("Description", "Cloudwarden cross-account access role");
        template.put("Resources", Map.of("CloudwardenRole", role));
        template.put("Outputs", Map.of("RoleArn", Map.of("Description", "Paste this ARN into Cloudwarden",
                "Value", Map.of("Fn::GetAtt", List.of("CloudwardenRole", "Arn")))));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(200);
        return new Yaml(options).dump(template);
    }

    private static Map<String, Object> statement(String sid, List<String> actions, String resource, Map<String, Object> condition) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        s.put("Action", actions);
        s.put("Resource", resource);
        if (condition != null) {
            s.put("Condition", condition);
        }
        return s;
    }

    private static Map<String, Object> tagCondition(Map<String, String> tags) {
        Map<String, Object> equals = new LinkedHashMap<>();
        new java.util.TreeMap<>(tags).forEach((k, v) -> equals.put("aws:ResourceTag/" + k, v));
        return Map.of("StringEquals", equals);
    }
}
