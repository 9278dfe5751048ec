package dev.cloudwarden.abuse;

import dev.cloudwarden.abuse.BruteForceSettings.State;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Per-account brute-force lockout for password sign-in, with the same behaviour for emails that
 * belong to no account, so a lockout never tells whether an account exists.
 *
 * <p>Call {@link #beginAttempt} (account found, its tenant in scope) or {@link #beginUnknownAttempt}
 * (no account) <em>before</em> checking the password. While locked it throws a 429
 * {@code too_many_attempts} with {@code Retry-After}, so no password hash is computed for anyone.
 * Otherwise it counts the attempt as failed at once, under a row lock, so parallel guesses cannot
 * slip past the limit while their hashes are computed; {@link #succeeded} clears the count after a
 * successful sign-in. The state lives in PostgreSQL, so every node sees the same lock.
 */
@Component
public class BruteForceProtection {

    static final String CODE = "too_many_attempts";
    static final String MESSAGE = "Too many failed sign-in attempts. Try again later.";

    private final BruteForceSettings settings;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final EmailHashKey emailHashKey;

    BruteForceProtection(BruteForceSettings settings, JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants,
                         EmailHashKey emailHashKey) {
        this.settings = settings;
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.emailHashKey = emailHashKey;
    }

    /** A password attempt for an existing user of the tenant in scope. Throws 429 while the account is locked. */
    public void beginAttempt(UUID userId) {
        UUID tenant = tenants.require();
        Duration locked = tx.execute(s -> {
            jdbc.sql("insert into login_failures (tenant_id, user_id) values (?, ?) on conflict (user_id) do nothing")
                    .params(tenant, userId).update();
            Locked row = jdbc.sql("select failures, last_failure_at, locked_until, now() from login_failures where user_id = ? for update")
                    .param(userId).query(BruteForceProtection::row).single();
            return step(row, next -> jdbc.sql("update login_failures set failures = ?, last_failure_at = ?, locked_until = ? where user_id = ?")
                    .params(next.failures(), timestamp(next.lastFailureAt()), timestamp(next.lockedUntil()), userId).update());
        });
        refuseIf(locked);
    }

    /** The user of the tenant in scope signed in: their failures are forgotten (the row stays, for the next attempt). */
    public void succeeded(UUID userId) {
        tx.executeWithoutResult(s -> jdbc.sql("""
                        update login_failures set failures = 0, last_failure_at = null, locked_until = null where user_id = ?""")
                .param(userId).update());
    }

    /**
     * A password attempt for a well-formed email that belongs to no account. Throws 429 exactly when
     * an account with the same history of attempts would be locked.
     */
    public void beginUnknownAttempt(String canonicalEmail) {
        byte[] hash = emailHashKey.hash(canonicalEmail);
        Duration locked = tx.execute(s -> {
            Locked row = jdbc.sql("select failures, last_failure_at, locked_until, db_now from login_throttle_lock(?)")
                    .param(hash).query(BruteForceProtection::row).single();
            return step(row, next -> jdbc.sql("select login_throttle_save(?, ?, ?, ?, ?::interval)")
                    .params(hash, next.failures(), timestamp(next.lastFailureAt()), timestamp(next.lockedUntil()),
                            settings.resetAfter().toSeconds() + " seconds")
                    .query((rs, n) -> 1).list());
        });
        refuseIf(locked);
    }

    /** A row-locked state and the database's clock (one clock for every node). */
    private record Locked(State state, Instant now) {
    }

    /** The one decision for both stores: the remaining lock, or null after recording this attempt as failed. */
    private Duration step(Locked row, java.util.function.Consumer<State> save) {
        if (row.state().lockedAt(row.now())) {
            return Duration.between(row.now(), row.state().lockedUntil());
        }
        save.accept(settings.afterFailure(row.state(), row.now()));
        return null;
    }

    private static void refuseIf(Duration locked) {
        if (locked != null) {
            throw ApiProblem.tooManyRequests(CODE, MESSAGE, locked);
        }
    }

    private static Locked row(ResultSet rs, int n) throws SQLException {
        return new Locked(new State(rs.getInt(1), instant(rs.getTimestamp(2)), instant(rs.getTimestamp(3))),
                rs.getTimestamp(4).toInstant());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Timestamp timestamp(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
