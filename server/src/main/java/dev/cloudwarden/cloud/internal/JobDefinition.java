package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.scheduling.support.CronExpression;

/**
 * A job as users write it (SPEC §3): {@code {"name","cloudAccountId","type","schedule"?,"timezone"?,"parameters"}}
 * with {@code parameters} {@code {"regions":[...],"tags":{"<key>":"<value>"},"retain":{"count":n}|{"days":n}}}.
 * Every check names the field it refused; a job that changes resources must select them by tag.
 */
record JobDefinition(String name, UUID cloudAccountId, Type type, String schedule, String timezone, Parameters parameters) {

    enum Type {
        INVENTORY_SYNC("inventory_sync"), STOP_INSTANCES("stop_instances"), START_INSTANCES("start_instances"),
        SNAPSHOT_VOLUMES("snapshot_volumes");

        final String id;

        Type(String id) {
            this.id = id;
        }

        static Type of(String id) {
            for (Type t : values()) {
                if (t.id.equals(id)) {
                    return t;
                }
            }
            throw ApiProblem.invalid("type", "must be inventory_sync, stop_instances, start_instances or snapshot_volumes");
        }

        /** Whether the job changes resources (and so must select them by tag). */
        boolean acts() {
            return this != INVENTORY_SYNC;
        }
    }

    /** Retention of the snapshots a job made: the newest {@code count}, or those younger than {@code days}. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Retain(Integer count, Integer days) {
    }

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Parameters(List<String> regions, Map<String, String> tags, Retain retain) {
    }

    /** As the API receives it, before any check. */
    record Request(String name, String cloudAccountId, String type, String schedule, String timezone, Map<String, Object> parameters) {
    }

    static final Set<String> PARAMETER_KEYS = Set.of("regions", "tags", "retain");
    private static final Pattern TAG_KEY = Pattern.compile("[\\p{L}\\p{N} +\\-=._:/@]{1,128}");
    private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{N} +\\-=._:/@]{0,256}");

    /**
     * Checks a request. {@code accountRegions} are the regions of the account it names (a job may use
     * some of them; none given: all); {@code partition} the platform's.
     */
    static JobDefinition check(Request r, List<String> accountRegions) {
        String name = r.name() == null ? "" : r.name().strip();
        if (name.isEmpty() || name.length() > 100 || name.codePoints().anyMatch(Character::isISOControl)) {
            throw ApiProblem.invalid("name", "is required: 1-100 characters, without control characters");
        }
        UUID account = Ids.parse(r.cloudAccountId(), () -> ApiProblem.invalid("cloudAccountId", "must be the id of a cloud account"));
        if (r.type() == null) {
            throw ApiProblem.invalid("type", "is required");
        }
        Type type = Type.of(r.type());
        String schedule = r.schedule();
        String timezone = r.timezone();
        if (schedule != null) {
            schedule = cron(schedule);
            timezone = zone(timezone == null ? "UTC" : timezone);
        } else if (timezone != null) {
            throw ApiProblem.invalid("timezone", "needs a schedule");
        }
        return new JobDefinition(name, account, type, schedule, timezone, parameters(type, r.parameters(), accountRegions));
    }

    /** A cron expression of five fields (minute hour day-of-month month day-of-week) or Spring's six (seconds first). */
    static String cron(String expression) {
        String trimmed = expression.strip();
        String[] fields = trimmed.split("\\s+");
        if (trimmed.length() > 100 || (fields.length != 5 && fields.length != 6)) {
            throw ApiProblem.invalid("schedule", "must be a cron expression of five fields: minute hour day-of-month month day-of-week");
        }
        try {
            expression(trimmed);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("schedule", "is not a valid cron expression (five fields: minute hour day-of-month month day-of-week)");
        }
        if (fields.length == 6 && !fields[0].matches("[0-9]{1,2}")) {
            throw ApiProblem.invalid("schedule", "may run at most once a minute (a fixed second)");
        }
        return String.join(" ", fields);
    }

    /** A stored schedule (five fields, or six with a fixed second) as Spring's cron, which counts seconds first. */
    static CronExpression expression(String schedule) {
        String[] fields = schedule.strip().split("\\s+");
        return CronExpression.parse(fields.length == 5 ? "0 " + String.join(" ", fields) : String.join(" ", fields));
    }

    static String zone(String timezone) {
        if (timezone.length() > 64) {
            throw ApiProblem.invalid("timezone", "must be an IANA time zone such as Europe/Berlin");
        }
        try {
            return ZoneId.of(timezone).getId();
        } catch (DateTimeException e) {
            throw ApiProblem.invalid("timezone", "must be an IANA time zone such as Europe/Berlin");
        }
    }

    @SuppressWarnings("unchecked")
    private static Parameters parameters(Type type, Map<String, Object> raw, List<String> accountRegions) {
        Map<String, Object> p = raw == null ? Map.of() : raw;
        for (String key : p.keySet()) {
            if (!PARAMETER_KEYS.contains(key)) {
                throw ApiProblem.invalid("parameters." + (key.length() <= 40 && key.matches("[A-Za-z0-9_]+") ? key : "?"),
                        "unknown; use regions, tags and retain");
            }
        }
        List<String> regions = accountRegions;
        if (p.get("regions") != null) {
            if (!(p.get("regions") instanceof List<?> list) || list.isEmpty() || list.size() > 30) {
                throw ApiProblem.invalid("parameters.regions", "must be a list of 1-30 of the account's regions");
            }
            Set<String> chosen = new LinkedHashSet<>();
            for (Object region : list) {
                if (!(region instanceof String s) || !accountRegions.contains(s)) {
                    throw ApiProblem.invalid("parameters.regions", "each must be one of the account's regions " + accountRegions);
                }
                chosen.add(s);
            }
            regions = List.copyOf(chosen);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        if (p.get("tags") != null) {
            if (!(p.get("tags") instanceof Map<?, ?> map) || map.size() > 10) {
                throw ApiProblem.invalid("parameters.tags", "must be an object of at most 10 tag keys and values");
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k) || !TAG_KEY.matcher(k).matches() || k.startsWith("aws:")
                        || !(e.getValue() instanceof String v) || !TAG_VALUE.matcher(v).matches()) {
                    throw ApiProblem.invalid("parameters.tags", "keys of 1-128 and values of 0-256 letters, digits, spaces and + - = . _ : / @ "
                            + "(keys not starting with aws:)");
                }
                tags.put(k, v);
            }
        }
        if (type.acts() && tags.isEmpty()) {
            throw ApiProblem.invalid("parameters.tags", "is required for " + type.id + ": a job that changes resources selects them by tag");
        }
        Retain retain = null;
        if (type == Type.SNAPSHOT_VOLUMES) {
            if (!(p.get("retain") instanceof Map<?, ?> r) || r.size() != 1
                    || !(r.containsKey("count") || r.containsKey("days"))) {
                throw ApiProblem.invalid("parameters.retain", "is required for snapshot_volumes: {\"count\": n} or {\"days\": n}");
            }
            Object value = r.containsKey("count") ? r.get("count") : r.get("days");
            int max = r.containsKey("count") ? 1000 : 3650;
            if (!(value instanceof Integer n) || n < 1 || n > max) {
                throw ApiProblem.invalid("parameters.retain", (r.containsKey("count") ? "count" : "days") + " must be a whole number from 1 to " + max);
            }
            retain = r.containsKey("count") ? new Retain(n, null) : new Retain(null, n);
        } else if (p.get("retain") != null) {
            throw ApiProblem.invalid("parameters.retain", "applies to snapshot_volumes only");
        }
        return new Parameters(regions, Map.copyOf(tags), retain);
    }
}
