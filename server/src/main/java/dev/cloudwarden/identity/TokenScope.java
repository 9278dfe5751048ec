package dev.cloudwarden.identity;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a personal access token may do, on top of what its user's role allows (a token never
 * exceeds its user). Which scope a route needs, if a token may call it at all, is declared in the
 * route table ({@code web.Routes}) and nowhere else; docs/sessions-and-tokens.md describes it.
 *
 * <ul>
 *   <li>{@code read}: the routes that need {@code read}: reading data.</li>
 *   <li>{@code write}: every route a token may call (includes {@code read} and {@code jobs:run}).</li>
 *   <li>{@code jobs:run}: starting a job run only.</li>
 * </ul>
 * A route that names no scope is closed to every token: sessions, tokens, MFA, passwords, security
 * settings, invitations and role changes, so a leaked token can neither make itself a longer-lived
 * or broader credential nor create one that outlives it.
 */
public enum TokenScope {
    READ("read"), WRITE("write"), JOBS_RUN("jobs:run");

    private final String value;

    TokenScope(String value) {
        this.value = value;
    }

    /** The scope's name in the API and in the database. */
    public String value() {
        return value;
    }

    public static Optional<TokenScope> of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }

    /** Whether holding this scope allows a route that needs {@code required}: {@code write} covers every scope. */
    public boolean covers(TokenScope required) {
        return this == WRITE || this == required;
    }
}
