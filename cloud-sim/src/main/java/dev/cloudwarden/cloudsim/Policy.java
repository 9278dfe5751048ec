package dev.cloudwarden.cloudsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An IAM policy document, evaluated the simplified way the sandbox needs:
 * <ul>
 * <li>{@code Effect} Allow or Deny; an explicit Deny wins over any Allow.</li>
 * <li>{@code Action} / {@code NotAction}, a string or a list, with {@code *} and {@code ?}
 * wildcards, case-insensitive (IAM action names are).</li>
 * <li>{@code Resource} / {@code NotResource} are read but not evaluated: every statement applies
 * to every resource.</li>
 * <li>{@code Condition}: only {@code StringEquals} and {@code StringLike} on
 * {@code ec2:ResourceTag/<key>} or {@code aws:ResourceTag/<key>} are evaluated, against the tags
 * of the instance, volume or snapshot an action names (StartInstances, StopInstances,
 * CreateSnapshot on its volume, DeleteSnapshot, CreateTags); for Describe* there is no resource,
 * so such a condition does not hold, as on AWS. Any other condition makes its statement
 * conservative: an Allow with it never applies, a Deny with it always does.</li>
 * </ul>
 */
final class Policy {

    enum Decision { ALLOW, IMPLICIT_DENY, EXPLICIT_DENY }

    private record Statement(boolean allow, List<Pattern> actions, boolean notAction, List<Condition> conditions, boolean unsupported) {
    }

    private record Condition(boolean like, String tagKey, List<String> values) {
        boolean holds(Map<String, String> resourceTags) {
            if (resourceTags == null || !resourceTags.containsKey(tagKey)) {
                return false;
            }
            String actual = resourceTags.get(tagKey);
            for (String v : values) {
                if (like ? wildcard(v, false).matcher(actual).matches() : v.equals(actual)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Full access, as an account's IAM user with AdministratorAccess has. */
    static final Policy ALLOW_ALL = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");

    private final List<Statement> statements;

    private Policy(List<Statement> statements) {
        this.statements = statements;
    }

    /** Parses a policy document; {@link IllegalArgumentException} says why one is malformed. */
    static Policy parse(String document) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(document);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Syntax errors in policy. " + e.getMessage());
        }
        Object version = root.get("Version");
        if (version != null && !"2012-10-17".equals(version) && !"2008-10-17".equals(version)) {
            throw new IllegalArgumentException("The policy must contain a valid version string");
        }
        Object raw = root.get("Statement");
        List<?> list = raw instanceof List<?> l ? l : raw instanceof Map<?, ?> m ? List.of(m) : null;
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException("Missing required field Statement");
        }
        List<Statement> statements = new ArrayList<>();
        for (Object s : list) {
            if (!(s instanceof Map<?, ?> st)) {
                throw new IllegalArgumentException("Statement must be an object");
            }
            statements.add(statement(st));
        }
        return new Policy(List.copyOf(statements));
    }

    private static Statement statement(Map<?, ?> st) {
        Object effect = st.get("Effect");
        if (!"Allow".equals(effect) && !"Deny".equals(effect)) {
            throw new IllegalArgumentException("Invalid effect: " + effect);
        }
        boolean notAction = st.containsKey("NotAction");
        if (notAction == st.containsKey("Action")) {
            throw new IllegalArgumentException("A statement needs exactly one of Action and NotAction");
        }
        List<Pattern> actions = new ArrayList<>();
        for (String a : strings(st.get(notAction ? "NotAction" : "Action"), "Action")) {
            if (!a.equals("*") && !a.matches("[A-Za-z0-9-]+:[A-Za-z0-9*?]+")) {
                throw new IllegalArgumentException("Action vendors must not contain unsupported characters: " + a);
            }
            actions.add(wildcard(a, true));
        }
        if (!st.containsKey("Resource") && !st.containsKey("NotResource")) {
            throw new IllegalArgumentException("Policy statement must contain resources.");
        }
        List<Condition> conditions = new ArrayList<>();
        boolean unsupported = false;
        if (st.get("Condition") instanceof Map<?, ?> byOperator) {
            for (Map.Entry<?, ?> op : byOperator.entrySet()) {
                if (!(op.getValue() instanceof Map<?, ?> byKey)) {
                    throw new IllegalArgumentException("Condition operator values must be objects");
                }
                boolean like = "StringLike".equals(op.getKey());
                for (Map.Entry<?, ?> key : byKey.entrySet()) {
                    String k = String.valueOf(key.getKey());
                    String tag = k.startsWith("ec2:ResourceTag/") ? k.substring(16) : k.startsWith("aws:ResourceTag/") ? k.substring(16) : null;
                    if (tag == null || !(like || "StringEquals".equals(op.getKey()))) {
                        unsupported = true;
                        continue;
                    }
                    conditions.add(new Condition(like, tag, strings(key.getValue(), k)));
                }
            }
        } else if (st.containsKey("Condition")) {
            throw new IllegalArgumentException("Condition must be an object");
        }
        return new Statement("Allow".equals(effect), List.copyOf(actions), notAction, List.copyOf(conditions), unsupported);
    }

    private static List<String> strings(Object value, String what) {
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list && !list.isEmpty()) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException(what + " must hold strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException(what + " must be a string or a list of strings");
    }

    /**
     * The decision for {@code action} ("ec2:StopInstances") on a resource with {@code resourceTags}
     * (null: the action names no resource).
     */
    Decision evaluate(String action, Map<String, String> resourceTags) {
        boolean allowed = false;
        for (Statement s : statements) {
            boolean named = s.actions().stream().anyMatch(p -> p.matcher(action).matches());
            if (named == s.notAction()) {
                continue;
            }
            if (!s.allow()) {
                if (s.unsupported() || s.conditions().stream().allMatch(c -> c.holds(resourceTags))) {
                    return Decision.EXPLICIT_DENY;
                }
            } else if (!s.unsupported() && s.conditions().stream().allMatch(c -> c.holds(resourceTags))) {
                allowed = true;
            }
        }
        return allowed ? Decision.ALLOW : Decision.IMPLICIT_DENY;
    }

    /** An IAM-style pattern: {@code *} any run, {@code ?} any one character. */
    static Pattern wildcard(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    }
}
