package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.abuse.BruteForceProtection;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.identity.SecondFactor;
import dev.cloudwarden.tenancy.TenantContext;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Signing in (password, then the second factor when the account has one), API sessions, and who is
 * signed in now. A completed sign-in is recorded ({@code user.signed_in}, with its channel and
 * second factor): for the API in the transaction that issues the session; for the console when the
 * sign-in is decided, since Spring Session stores the console session itself after the request, in
 * no transaction of ours. Failures are recorded by {@link BruteForceProtection}, which counts them.
 */
@Service
public class SignInService {

    /**
     * The answer to the right password of an active user whose organisation's subscription ended: a
     * clear reason, no dates and no data (P17). A wrong password gets the usual answer.
     */
    static final String SUBSCRIPTION_ENDED = "subscription_ended";

    /** {@code second_factor} of a sign-in with the password alone. */
    private static final String NO_SECOND_FACTOR = "none";

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final SessionTokens sessions;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final BruteForceProtection bruteForce;
    private final SecondFactor secondFactor;
    private final ActivityLog activity;
    private final CredentialEvents events;
    private final PublicFlows publicFlows;
    private final ConsoleSessionOrigins consoleOrigins;

    SignInService(UserRepository users, PasswordHasher hasher, SessionTokens sessions, TenantContext tenants, TransactionTemplate tx,
                  TenantKeyring keyring, BruteForceProtection bruteForce, SecondFactor secondFactor, ActivityLog activity,
                  CredentialEvents events, PublicFlows publicFlows, ConsoleSessionOrigins consoleOrigins) {
        this.users = users;
        this.hasher = hasher;
        this.sessions = sessions;
        this.tenants = tenants;
        this.tx = tx;
        this.keyring = keyring;
        this.bruteForce = bruteForce;
        this.secondFactor = secondFactor;
        this.activity = activity;
        this.events = events;
        this.publicFlows = publicFlows;
        this.consoleOrigins = consoleOrigins;
    }

    /**
     * Checks an email and password. Every failure looks the same to the caller; unknown accounts
     * cost one Argon2id verification like known ones, over-long passwords cost none for anyone.
     * After repeated failures the account, or the unknown email, is locked for a growing wait: then
     * this throws a 429 {@code too_many_attempts} {@link ApiProblem}, for both alike, and no password
     * is hashed (see {@link BruteForceProtection}).
     * The right password of an organisation whose subscription ended gets 403 {@code subscription_ended}.
     * This is the first factor only: a principal with {@code mfaEnabled} still needs its second.
     */
    public Optional<CloudwardenPrincipal> authenticate(String email, Secret password) {
        return publicFlows.asNobody(() -> authenticateDetached(email, password));
    }

    private Optional<CloudwardenPrincipal> authenticateDetached(String email, Secret password) {
        if (password == null || password.length() > 2 * PasswordPolicy.MAX_LENGTH
                || password.reveal().codePointCount(0, password.length()) > PasswordPolicy.MAX_LENGTH) {
            return Optional.empty(); // the policy counts code points; so does this refusal
        }
        String canonicalEmail = Emails.canonical(email); // the plain form: accounts made before the stricter check still sign in
        Optional<UserRepository.LoginTarget> target = canonicalEmail == null ? Optional.empty() : users.lookupLogin(canonicalEmail);
        if (target.isEmpty()) {
            if (canonicalEmail == null) {
                hasher.matchDummy(password);
                return Optional.empty();
            }
            try (BruteForceProtection.Attempt<Void> attempt = bruteForce.beginUnknownAttempt(canonicalEmail)) {
                hasher.matchDummy(password);
                attempt.failed();
            }
            return Optional.empty();
        }
        UUID tenantId = target.get().tenantId();
        UUID userId = target.get().userId();
        return tenants.callAs(tenantId, () -> {
            // the user and whether they may act are read in the attempt's own transaction
            try (BruteForceProtection.Attempt<Optional<SignInRead>> attempt = bruteForce.beginAttempt(userId,
                    () -> users.find(userId).map(row -> new SignInRead(row, users.findActive(row.id()), users.tenantTerminated())))) {
                Optional<SignInRead> user = attempt.read();
                TenantKeys keys = keyring.keys(tenantId);
                if (user.isEmpty() || user.get().row().passwordHash() == null) {
                    hasher.matchDummy(password); // an invited user has no password yet: same work, same answer
                    attempt.failed();
                    return Optional.empty();
                }
                UserRepository.UserRow row = user.get().row();
                Optional<CloudwardenPrincipal> principal = user.get().principal();
                boolean matches = hasher.matches(keys, password, row.passwordHash());
                if (!matches || principal.isEmpty()) {
                    attempt.failed(); // a disabled user or terminated tenant counts as a failure, as a wrong password
                    if (matches && row.active() && user.get().tenantTerminated()) {
                        // told only to whoever knows the password, and nothing else
                        throw ApiProblem.forbidden(SUBSCRIPTION_ENDED,
                                "This organisation's subscription has ended, so nobody can sign in to it. Its owner can renew it with Cloudwarden.");
                    }
                    return Optional.empty();
                }
                if (hasher.needsUpgrade(row.passwordHash())) {
                    upgradeHash(keys, password, row.id());
                }
                attempt.succeeded();
                return principal;
            }
        });
    }

    private record SignInRead(UserRepository.UserRow row, Optional<CloudwardenPrincipal> principal, boolean tenantTerminated) {
    }

    /** Re-hashes at the current parameters; skipped (until the next sign-in) when no hashing slot is free. */
    private void upgradeHash(TenantKeys keys, Secret password, UUID userId) {
        String upgraded;
        try {
            upgraded = hasher.hash(keys, password);
        } catch (ApiProblem busy) {
            return;
        }
        tx.executeWithoutResult(s -> users.updatePasswordHash(userId, upgraded));
    }

    /**
     * Signs in for the API: a new session token for the authenticated user. Empty for any wrong
     * email or password, whatever the account's MFA state; for an account with MFA, the password
     * alone gives 401 mfa_required, a wrong or used code 401 invalid_otp, and a code during the
     * back-off after repeated wrong codes 429 too_many_attempts. The session keeps {@code origin}.
     */
    Optional<SessionTokens.Issued> openSession(String email, Secret password, Secret otp, SignInOrigins.Origin origin) {
        return publicFlows.asNobody(() -> {
            Optional<CloudwardenPrincipal> principal = authenticate(email, password);
            if (principal.isEmpty()) {
                return Optional.empty();
            }
            CloudwardenPrincipal p = principal.get();
            String secondFactorUsed = NO_SECOND_FACTOR;
            if (p.mfaEnabled()) {
                if (otp == null || otp.isBlank()) {
                    throw ApiProblem.unauthorized("mfa_required",
                            "This account uses multi-factor authentication: send the code from your authenticator app, or a recovery code, as otp.");
                }
                secondFactorUsed = requireAccepted(tenants.callAs(p.tenantId(), () -> secondFactor.verify(p.userId(), otp))).id();
            }
            String factor = secondFactorUsed;
            return Optional.of(tenants.callAs(p.tenantId(), () -> tx.execute(s -> {
                SessionTokens.Issued issued = sessions.issue(p.userId(), origin);
                recordSignIn(p.userId(), "api", factor);
                return issued;
            })));
        });
    }

    /**
     * Form sign-in of the console succeeded (an account without MFA): recorded in the user's tenant,
     * with where it came from for the session stored as {@code storedSessionId} (see {@link ConsoleSessionOrigins#record}).
     */
    void recordConsoleSignIn(CloudwardenPrincipal principal, SignInOrigins.Origin origin, String storedSessionId) {
        tenants.detached(() -> tenants.callAs(principal.tenantId(), () -> tx.execute(s -> {
            recordSignIn(principal.userId(), "console", NO_SECOND_FACTOR);
            consoleOrigins.record(principal.userId(), storedSessionId, origin);
            return null;
        })));
    }

    private void recordSignIn(UUID userId, String channel, String secondFactorUsed) {
        activity.record(Action.USER_SIGNED_IN, Target.user(userId), Map.of("channel", channel, "second_factor", secondFactorUsed));
    }

    /** The outcome of the console's second sign-in step: the full principal only when the code was accepted. */
    public record SecondStep(SecondFactor.Result result, Optional<CloudwardenPrincipal> principal) {
    }

    /**
     * The console's second step, for a user whose password was checked a moment ago: checks the
     * code, then reloads the user so a user disabled in between does not get in. A sign-in of its
     * own: not in the tenant of whoever may still be signed in on this request. The console session
     * stored as {@code storedSessionId} keeps {@code origin}.
     */
    SecondStep completeSecondFactor(UUID tenantId, UUID userId, Secret code, SignInOrigins.Origin origin, String storedSessionId) {
        return publicFlows.asNobody(() -> tenants.callAs(tenantId, () -> {
            SecondFactor.Check check = secondFactor.verify(userId, code);
            if (check.result() != SecondFactor.Result.ACCEPTED) {
                return new SecondStep(check.result(), Optional.empty());
            }
            Optional<CloudwardenPrincipal> principal = tx.execute(s -> {
                Optional<CloudwardenPrincipal> active = users.findActive(userId);
                active.ifPresent(p -> {
                    recordSignIn(p.userId(), "console", check.method().id());
                    consoleOrigins.record(p.userId(), storedSessionId, origin);
                });
                return active;
            });
            return new SecondStep(principal.isPresent() ? check.result() : SecondFactor.Result.REJECTED, principal);
        }));
    }

    /** The signed-in user as stored now (role, MFA state, tenant policy), in the tenant in scope; empty if they may no longer act. */
    public Optional<CloudwardenPrincipal> current(UUID userId) {
        return tx.execute(s -> users.findActive(userId));
    }

    /**
     * The console's signed-in user as stored now, if they may still act with the role their session
     * was opened with: an active user of an active tenant, same role. Checked on every console
     * request, so disabling or demoting a user, or terminating the tenant, takes effect at once.
     */
    public Optional<CloudwardenPrincipal> reload(UUID tenantId, UUID userId, Role role) {
        return tenants.callAs(tenantId, () -> current(userId).filter(p -> p.role() == role));
    }

    public Optional<CloudwardenPrincipal> resolveSession(Secret token) {
        return sessions.resolve(token);
    }

    /** Signs out of the API session the request came with (none for a personal access token: nothing to end). */
    public void closeSession(CloudwardenPrincipal principal) {
        if (principal.sessionId() != null) {
            tx.executeWithoutResult(s -> {
                if (sessions.revoke(principal.sessionId())) {
                    events.sessionEnded(principal.userId(), CredentialsService.Kind.api, principal.sessionId(), CredentialEvents.Reason.LOGOUT);
                }
            });
        }
    }

    /** The kind of code accepted; throws the API's answer for any other outcome. */
    private static SecondFactor.Method requireAccepted(SecondFactor.Check check) {
        return switch (check.result()) {
            case ACCEPTED -> check.method();
            case REJECTED -> throw ApiProblem.unauthorized("invalid_otp", "The code is wrong, expired or already used.");
            case LOCKED -> throw ApiProblem.tooManyRequests("too_many_attempts",
                    "Too many wrong codes. Wait a few minutes, then try again.");
        };
    }
}
