package dev.cloudwarden.activity;

import java.util.UUID;
import java.util.regex.Pattern;

/** What an action was done to: a type and an id, never a name or an email (those are resolved when read). */
public record Target(String type, String id) {

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z_]{0,39}");

    public Target {
        if (type == null || !TYPE.matcher(type).matches() || id == null || id.isEmpty() || id.length() > 200) {
            throw new IllegalArgumentException("a target is a lowercase type and an id of 1-200 characters");
        }
    }

    public static Target user(UUID id) {
        return new Target("user", id.toString());
    }

    public static Target tenant(UUID id) {
        return new Target("tenant", id.toString());
    }

    public static Target session(UUID id) {
        return new Target("session", id.toString());
    }

    public static Target token(UUID id) {
        return new Target("token", id.toString());
    }

    public static Target key(String id) {
        return new Target("key", id);
    }
}
