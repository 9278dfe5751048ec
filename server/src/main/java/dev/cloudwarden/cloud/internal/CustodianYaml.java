package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A job in the shape of a Cloud Custodian policy, which cloud teams already read and write:
 *
 * <pre>
 * name: stop-dev-at-night
 * resource: aws.ec2            # aws.ec2 (stop, start) or aws.ebs (snapshot)
 * filters:
 *   - "tag:env": dev
 * actions: [stop]              # stop | start | snapshot
 * mode: {type: periodic, schedule: "0 19 * * 1-5", timezone: Europe/Berlin}
 * cloudwarden: {cloudAccountId: …, regions: [us-east-1], retain: {days: 7}}
 * </pre>
 *
 * Custodian's own {@code policies:} list of one is accepted too. What Cloudwarden needs and Custodian
 * has no key for sits under {@code cloudwarden:}. The schedule is a five-field cron expression (not
 * CloudWatch's {@code cron(…)}). Unknown keys, filters and actions are refused, naming them.
 */
final class CustodianYaml {

    private static final Set<String> KEYS = Set.of("name", "description", "resource", "filters", "actions", "mode", "cloudwarden");
    private static final Set<String> EXTENSION_KEYS = Set.of("cloudAccountId", "regions", "retain");

    private CustodianYaml() {
    }

    /** The job a policy describes, as the JSON API would receive it. */
    @SuppressWarnings("unchecked")
    static JobDefinition.Request parse(String text) {
        Object loaded;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setNestingDepthLimit(10);
            options.setCodePointLimit(64 * 1024);
            options.setAllowDuplicateKeys(false);
            loaded = new Yaml(new SafeConstructor(options)).load(text);
        } catch (YAMLException e) {
            throw ApiProblem.invalid("body", "is not valid YAML");
        }
        if (loaded instanceof Map<?, ?> m && m.size() == 1 && m.get("policies") instanceof List<?> list) {
            if (list.size() != 1) {
                throw ApiProblem.invalid("policies", "must hold exactly one policy: one job per request");
            }
            loaded = list.get(0);
        }
        if (!(loaded instanceof Map<?, ?> raw)) {
            throw ApiProblem.invalid("body", "must be a Cloud Custodian policy (a mapping with name, resource, filters, actions)");
        }
        Map<String, Object> policy = (Map<String, Object>) raw;
        for (Object key : policy.keySet()) {
            if (!KEYS.contains(String.valueOf(key))) {
                throw ApiProblem.invalid(safe(key), "unknown key; use name, description, resource, filters, actions, mode and cloudwarden");
            }
        }
        String resource = string(policy.get("resource"), "resource");
        String action = action(policy.get("actions"));
        String type = switch (resource + "/" + action) {
            case "aws.ec2/stop" -> "stop_instances";
            case "aws.ec2/start" -> "start_instances";
            case "aws.ebs/snapshot" -> "snapshot_volumes";
            default -> throw ApiProblem.invalid("actions", "must be stop or start on aws.ec2, or snapshot on aws.ebs");
        };
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("tags", tags(policy.get("filters")));
        Map<String, Object> extension = policy.get("cloudwarden") == null ? Map.of() : map(policy.get("cloudwarden"), "cloudwarden");
        for (String key : extension.keySet()) {
            if (!EXTENSION_KEYS.contains(key)) {
                throw ApiProblem.invalid("cloudwarden." + safe(key), "unknown key; use cloudAccountId, regions and retain");
            }
        }
        if (extension.get("regions") != null) {
            parameters.put("regions", extension.get("regions"));
        }
        if (extension.get("retain") != null) {
            parameters.put("retain", extension.get("retain"));
        }
        String schedule = null;
        String timezone = null;
        if (policy.get("mode") != null) {
            Map<String, Object> mode = map(policy.get("mode"), "mode");
            for (String key : mode.keySet()) {
                if (!Set.of("type", "schedule", "timezone").contains(key)) {
                    throw ApiProblem.invalid("mode." + safe(key), "unknown key; use type, schedule and timezone");
                }
            }
            if (!"periodic".equals(mode.get("type"))) {
                throw ApiProblem.invalid("mode.type", "must be periodic (or leave mode out: runs on demand only)");
            }
            schedule = string(mode.get("schedule"), "mode.schedule");
            timezone = mode.get("timezone") == null ? null : string(mode.get("timezone"), "mode.timezone");
        }
        Object account = extension.get("cloudAccountId");
        return new JobDefinition.Request(string(policy.get("name"), "name"), account == null ? null : String.valueOf(account), type, schedule,
                timezone, parameters);
    }

    private static final Map<String, String> POLICY_FIELDS = Map.of("schedule", "mode.schedule", "timezone", "mode.timezone",
            "type", "actions", "parameters.tags", "filters", "parameters.regions", "cloudwarden.regions", "parameters.retain", "cloudwarden.retain",
            "cloudAccountId", "cloudwarden.cloudAccountId");

    /** A refusal of the job a policy became, naming the policy's own key instead of the JSON field. */
    static ApiProblem inPolicyTerms(ApiProblem problem) {
        String field = problem.field();
        String renamed = field == null ? null : POLICY_FIELDS.get(field);
        if (renamed == null || !problem.getMessage().startsWith(field + ": ")) {
            return problem;
        }
        return ApiProblem.invalid(renamed, problem.getMessage().substring(field.length() + 2));
    }

    /** A job as a policy; the same text {@link #parse} reads back. */
    static String render(JobRows.Job job) {
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("name", job.name());
        String type = job.type();
        policy.put("resource", type.equals("snapshot_volumes") ? "aws.ebs" : "aws.ec2");
        List<Object> filters = new ArrayList<>();
        Object tags = job.parameters().get("tags");
        if (tags instanceof Map<?, ?> map) {
            map.forEach((k, v) -> filters.add(Map.of("tag:" + k, v)));
        }
        policy.put("filters", filters);
        policy.put("actions", List.of(switch (type) {
            case "stop_instances" -> "stop";
            case "start_instances" -> "start";
            case "snapshot_volumes" -> "snapshot";
            default -> "inventory-sync";
        }));
        if (job.schedule() != null) {
            Map<String, Object> mode = new LinkedHashMap<>();
            mode.put("type", "periodic");
            mode.put("schedule", job.schedule());
            mode.put("timezone", job.timezone());
            policy.put("mode", mode);
        }
        Map<String, Object> extension = new LinkedHashMap<>();
        extension.put("cloudAccountId", job.cloudAccountId().toString());
        if (job.parameters().get("regions") != null) {
            extension.put("regions", job.parameters().get("regions"));
        }
        if (job.parameters().get("retain") != null) {
            extension.put("retain", job.parameters().get("retain"));
        }
        policy.put("cloudwarden", extension);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(policy);
    }

    private static String action(Object actions) {
        if (!(actions instanceof List<?> list) || list.size() != 1) {
            throw ApiProblem.invalid("actions", "must list exactly one action: stop, start or snapshot");
        }
        Object action = list.get(0);
        if (action instanceof Map<?, ?> m && m.size() == 1 && m.get("type") instanceof String t) {
            action = t;
        }
        if (!(action instanceof String s) || !Set.of("stop", "start", "snapshot").contains(s)) {
            throw ApiProblem.invalid("actions", "unknown action; use stop, start or snapshot");
        }
        return s;
    }

    /** Custodian's {@code - "tag:<key>": <value>} filters, the one kind a job selects by. */
    private static Map<String, Object> tags(Object filters) {
        Map<String, Object> tags = new LinkedHashMap<>();
        if (filters == null) {
            return tags;
        }
        if (!(filters instanceof List<?> list)) {
            throw ApiProblem.invalid("filters", "must be a list such as - \"tag:env\": dev");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> f) || f.size() != 1 || !(f.keySet().iterator().next() instanceof String key)
                    || !key.startsWith("tag:") || !(f.values().iterator().next() instanceof String value)) {
                throw ApiProblem.invalid("filters[" + i + "]", "unknown filter; a job selects by tag: - \"tag:<key>\": <value>");
            }
            tags.put(key.substring(4), value);
        }
        return tags;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String field) {
        if (!(value instanceof Map<?, ?> m)) {
            throw ApiProblem.invalid(field, "must be a mapping");
        }
        return (Map<String, Object>) m;
    }

    private static String string(Object value, String field) {
        if (!(value instanceof String s)) {
            throw ApiProblem.invalid(field, "is required (text)");
        }
        return s;
    }

    /** A key as a field name: only when it is a plain identifier, never arbitrary input. */
    private static String safe(Object key) {
        String k = String.valueOf(key);
        return k.length() <= 40 && k.matches("[A-Za-z0-9_.:-]+") ? k : "?";
    }
}
