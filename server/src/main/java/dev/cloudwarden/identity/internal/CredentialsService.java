package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TokenScope;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A signed-in user's own credentials: their API and console sessions, and their personal access
 * tokens. Every method acts for the authenticated principal only; another user's session or token,
 * in this tenant or another, is answered like an unknown one (404). Ending a session, creating and
 * revoking a token are recorded in the activity history (a token's name only as a keyed hash: it
 * is the user's own words).
 */
@Service
public class CredentialsService {

    static final int NAME_MAX_LENGTH = 100;
    static final int MAX_LIVE_TOKENS = 50;
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(365);
    /** C0/C1 controls and the bidirectional overrides that make a name display as something else. */
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cntrl}\\u202A-\\u202E\\u2066-\\u2069]");

    private final SessionTokens apiSessions;
    private final ConsoleSessions consoleSessions;
    private final ConsoleSessionOrigins consoleOrigins;
    private final PersonalAccessTokens tokens;
    private final TransactionTemplate tx;
    private final ActivityLog activity;
    private final CredentialEvents events;
    private final Duration maxTokenLifetime;

    CredentialsService(SessionTokens apiSessions, ConsoleSessions consoleSessions, ConsoleSessionOrigins consoleOrigins,
                       PersonalAccessTokens tokens, TransactionTemplate tx, ActivityLog activity, CredentialEvents events,
                       @Value("${cloudwarden.tokens.max-lifetime:P365D}") Duration maxTokenLifetime) {
        if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero() || maxTokenLifetime.compareTo(MAX_TOKEN_LIFETIME) > 0) {
            throw new IllegalArgumentException("cloudwarden.tokens.max-lifetime must be positive and at most 365 days");
        }
        this.apiSessions = apiSessions;
        this.consoleSessions = consoleSessions;
        this.consoleOrigins = consoleOrigins;
        this.tokens = tokens;
        this.tx = tx;
        this.activity = activity;
        this.events = events;
        this.maxTokenLifetime = maxTokenLifetime;
    }

    public enum Kind {
        api, console
    }

    /**
     * One of the user's live sessions; {@code current} marks the one the request came with.
     * {@code device} is a label of the browser and system it signed in with ({@link DeviceLabels}),
     * {@code address} the client address it signed in from (null when not known), {@code createdAt}
     * when it signed in, {@code lastUsedAt} when it was last used (to the minute for API sessions).
     */
    public record SessionView(UUID id, Kind kind, String device, String address, Instant createdAt, Instant lastUsedAt,
                              Instant expiresAt, boolean current) {
    }

    public record TokenView(UUID id, String name, List<String> scopes, String hint, Instant createdAt, Instant expiresAt,
                            Instant lastUsedAt) {
    }

    /** A new token and, this once, its value. */
    public record CreatedToken(TokenView token, Secret value) {
    }

    public Duration maxTokenLifetime() {
        return maxTokenLifetime;
    }

    /**
     * The user's live sessions, oldest first.
     *
     * @param consoleSessionId the (stored) id of the console session the request came with, or null
     */
    public List<SessionView> sessions(CloudwardenPrincipal me, String consoleSessionId) {
        return tx.execute(s -> {
            List<SessionView> all = new ArrayList<>();
            apiSessions.listOf(me.userId()).forEach(r -> all.add(new SessionView(r.id(), Kind.api, r.device(), r.address(),
                    r.createdAt(), r.lastUsedAt(), r.expiresAt(), r.id().equals(me.sessionId()))));
            Map<UUID, ConsoleSessionOrigins.Stored> origins = consoleOrigins.of(me.userId());
            consoleSessions.listOf(me.userId()).forEach(r -> {
                ConsoleSessionOrigins.Stored origin = origins.get(r.id());
                all.add(new SessionView(r.id(), Kind.console, origin == null ? DeviceLabels.UNKNOWN : origin.device(),
                        origin == null ? null : origin.address(), origin == null ? r.createdAt() : origin.signedInAt(),
                        r.lastUsedAt(), r.expiresAt(), r.sessionId().equals(consoleSessionId)));
            });
            all.sort(Comparator.comparing(SessionView::createdAt).thenComparing(SessionView::id));
            return all;
        });
    }

    /** Ends one of the user's sessions, API or console. 404 when they have no such live session. */
    public Kind revokeSession(CloudwardenPrincipal me, UUID id) {
        return tx.execute(s -> {
            Kind kind;
            if (apiSessions.revoke(me.userId(), id)) {
                kind = Kind.api;
            } else if (consoleSessions.delete(me.userId(), id)) {
                kind = Kind.console;
            } else {
                throw ApiProblem.notFound();
            }
            events.sessionEnded(me.userId(), kind, id, CredentialEvents.Reason.REVOKED);
            return kind;
        });
    }

    /**
     * Signs the user out everywhere else: ends every live session of theirs, API and console, but the
     * one this request came with (an API session by {@link CloudwardenPrincipal#sessionId()}, a console
     * session by its stored id {@code consoleSessionId}). Each is recorded like ending it from the
     * list ({@code session.ended}, reason {@code revoked}), in one transaction. Personal access tokens
     * are not sessions and stay. Returns how many ended.
     */
    public int endOtherSessions(CloudwardenPrincipal me, String consoleSessionId) {
        return tx.execute(s -> {
            int ended = 0;
            for (UUID id : apiSessions.revokeAllOfExcept(me.userId(), me.sessionId())) {
                events.sessionEnded(me.userId(), Kind.api, id, CredentialEvents.Reason.REVOKED);
                ended++;
            }
            for (UUID id : consoleSessions.deleteAllOfExcept(me.userId(), consoleSessionId)) {
                events.sessionEnded(me.userId(), Kind.console, id, CredentialEvents.Reason.REVOKED);
                ended++;
            }
            return ended;
        });
    }

    public CreatedToken createToken(CloudwardenPrincipal me, String name, List<String> scopes, Instant expiresAt) {
        String checkedName = checkName(name);
        Set<TokenScope> checkedScopes = checkScopes(scopes);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant expiry = checkExpiry(now, expiresAt);
        return tx.execute(s -> {
            if (tokens.countLive(me.userId()) >= MAX_LIVE_TOKENS) {
                throw ApiProblem.conflict("too_many_tokens", "You have " + MAX_LIVE_TOKENS + " live tokens; revoke one first.");
            }
            PersonalAccessTokens.Issued issued = tokens.issue(me.userId(), checkedName, checkedScopes, now, expiry);
            activity.record(Action.TOKEN_CREATED, Target.token(issued.token().id()), Map.of("name", checkedName,
                    "scopes", String.join(" ", issued.token().scopes()), "expires_at", expiry.toString()));
            return new CreatedToken(view(issued.token()), issued.value());
        });
    }

    public List<TokenView> tokens(CloudwardenPrincipal me) {
        return tx.execute(s -> tokens.listOf(me.userId()).stream().map(CredentialsService::view).toList());
    }

    /** Revokes one of the user's tokens. 404 when they have no such live token. */
    public void revokeToken(CloudwardenPrincipal me, UUID id) {
        tx.executeWithoutResult(s -> {
            if (!tokens.revoke(me.userId(), id)) {
                throw ApiProblem.notFound();
            }
            events.tokenRevoked(id, CredentialEvents.Reason.REVOKED);
        });
    }

    private static String checkName(String name) {
        String stripped = name == null ? "" : name.strip();
        if (stripped.isEmpty()) {
            throw ApiProblem.invalid("name", "is required");
        }
        if (stripped.codePointCount(0, stripped.length()) > NAME_MAX_LENGTH) {
            throw ApiProblem.invalid("name", "must be at most " + NAME_MAX_LENGTH + " characters long");
        }
        if (UNPRINTABLE.matcher(stripped).find()) {
            throw ApiProblem.invalid("name", "must not contain control characters");
        }
        return stripped;
    }

    private static Set<TokenScope> checkScopes(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            throw ApiProblem.invalid("scopes", "choose at least one of read, write, jobs:run");
        }
        Set<TokenScope> checked = EnumSet.noneOf(TokenScope.class);
        for (String scope : scopes) {
            Optional<TokenScope> known = scope == null ? Optional.empty() : TokenScope.of(scope);
            // the value is not echoed: the message names the allowed ones
            checked.add(known.orElseThrow(() -> ApiProblem.invalid("scopes", "contains an unknown scope; use read, write, jobs:run")));
        }
        return checked;
    }

    private Instant checkExpiry(Instant now, Instant expiresAt) {
        if (expiresAt == null) {
            throw ApiProblem.invalid("expiresAt", "is required (an ISO-8601 instant, at most "
                    + maxTokenLifetime.toDays() + " days ahead)");
        }
        Instant expiry = expiresAt.truncatedTo(ChronoUnit.SECONDS);
        if (!expiry.isAfter(now)) {
            throw ApiProblem.invalid("expiresAt", "must be in the future");
        }
        if (expiry.isAfter(now.plus(maxTokenLifetime))) {
            throw ApiProblem.invalid("expiresAt", "must be at most " + maxTokenLifetime.toDays() + " days ahead");
        }
        return expiry;
    }

    private static TokenView view(PersonalAccessTokens.Row row) {
        return new TokenView(row.id(), row.name(), row.scopes(), row.hint(), row.createdAt(), row.expiresAt(), row.lastUsedAt());
    }
}
