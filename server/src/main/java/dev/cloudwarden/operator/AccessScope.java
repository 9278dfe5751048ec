package dev.cloudwarden.operator;

import java.util.Arrays;
import java.util.Optional;

/**
 * What an access grant lets an operator read of one tenant: each operator route that reads tenant data
 * names exactly one in the route table ({@code web.Routes}). Every scope is read-only.
 */
public enum AccessScope {
    USERS("users:read"),
    CLOUD_ACCOUNTS("cloud-accounts:read"),
    JOBS("jobs:read"),
    ACTIVITY("activity:read");

    private final String value;

    AccessScope(String value) {
        this.value = value;
    }

    /** The scope's name in the API, the database and the tenant's history. */
    public String value() {
        return value;
    }

    public static Optional<AccessScope> of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }
}
