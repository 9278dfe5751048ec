package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.PlatformKeys;
import dev.cloudwarden.operator.OperatorRole;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Operator sign-in and sessions. A session is a random token (in the console's
 * {@code __Host-cloudwarden-ops} cookie, or a bearer token on {@code /ops/api}) of which only the keyed
 * hash is stored; it ends after {@code session-idle} without a request, after {@code session-lifetime}
 * in any case, at sign-out, and when the operator is no longer ACTIVE.
 */
@Service
class OperatorSessions {

    static final String PREFIX = "cwo_";
    private static final String HASH_PURPOSE = "operator-session";
    /** last_used_at is written at most this often: the idle limit stays exact to within it. */
    private static final Duration TOUCH = Duration.ofSeconds(15);

    record Issued(Secret token, Instant expiresAt, OperatorPrincipal principal) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PlatformKeys keys;
    private final Operators operators;
    private final ActivityLog activity;
    private final OperatorSettings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    OperatorSessions(JdbcClient jdbc, TransactionTemplate tx, PlatformKeys keys, Operators operators, ActivityLog activity,
                     OperatorSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.keys = keys;
        this.operators = operators;
        this.activity = activity;
        this.settings = settings;
        this.clock = clock;
    }

    /** Email, password and the current TOTP code, all three every time; one answer for every failure. */
    Issued signIn(String email, Secret password, String code, String channel) {
        if (email == null || email.isBlank()) {
            throw ApiProblem.invalid("email", "is required");
        }
        if (password == null || password.isBlank()) {
            throw ApiProblem.invalid("password", "is required");
        }
        if (code == null || code.isBlank()) {
            throw ApiProblem.invalid("otp", "is required: operators always sign in with the code of their authenticator app");
        }
        Operators.SignIn result = operators.check(email, password, code);
        if (result.failure() != null) {
            activity.record(Action.OPERATOR_SIGN_IN_FAILED, null, Map.of("reason", result.failure().name().toLowerCase()));
            throw ApiProblem.unauthorized("invalid_credentials", "The email, password or code is not right.");
        }
        Operators.Operator operator = result.operator();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        Secret token = Secret.of(PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        Instant expires = now.plus(settings.sessionLifetime());
        tx.executeWithoutResult(s -> jdbc.sql("""
                insert into operator_sessions (id, operator_id, token_hash, created_at, last_used_at, expires_at) values (?, ?, ?, ?, ?, ?)""")
                .params(id, operator.id(), hash(token), Timestamp.from(now), Timestamp.from(now), Timestamp.from(expires)).update());
        OperatorPrincipal principal = new OperatorPrincipal(operator.id(), operator.email(), operator.role(), id);
        activity.record(Action.OPERATOR_SIGNED_IN, Operators.operatorTarget(operator.id()), Map.of("operator", operator.id(), "channel", channel));
        return new Issued(token, expires, principal);
    }

    /** The operator a token signs in, if its session is live; refreshes the idle clock. */
    Optional<OperatorPrincipal> resolve(Secret token) {
        if (token == null || !token.reveal().startsWith(PREFIX) || token.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        record Row(UUID id, UUID operator, String email, String role, Instant lastUsed) {
        }
        Optional<Row> row = tx.execute(s -> jdbc.sql("""
                select s.id, o.id, o.email, o.role, s.last_used_at
                from operator_sessions s join operators o on o.id = s.operator_id
                where s.token_hash = ? and s.revoked_at is null and s.expires_at > ? and s.last_used_at > ? and o.status = 'ACTIVE'""")
                .params(hash(token), Timestamp.from(now), Timestamp.from(now.minus(settings.sessionIdle())))
                .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5).toInstant()))
                .optional());
        row.filter(r -> r.lastUsed().plus(TOUCH).isBefore(now)).ifPresent(r -> tx.executeWithoutResult(s -> jdbc
                .sql("update operator_sessions set last_used_at = ? where id = ? and last_used_at < ?")
                .params(Timestamp.from(now), r.id(), Timestamp.from(now)).update()));
        return row.map(r -> new OperatorPrincipal(r.operator(), r.email(), OperatorRole.valueOf(r.role()), r.id()));
    }

    void signOut(OperatorPrincipal principal) {
        tx.executeWithoutResult(s -> jdbc.sql("update operator_sessions set revoked_at = ? where id = ? and revoked_at is null")
                .params(Timestamp.from(clock.instant()), principal.sessionId()).update());
        activity.record(Action.OPERATOR_SIGNED_OUT, Operators.operatorTarget(principal.operatorId()), Map.of("operator", principal.operatorId()));
    }

    private byte[] hash(Secret token) {
        return keys.keys().keyedHash(HASH_PURPOSE, token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
