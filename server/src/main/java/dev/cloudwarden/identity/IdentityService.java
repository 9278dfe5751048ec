package dev.cloudwarden.identity;

import dev.cloudwarden.abuse.BruteForceProtection;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.EncryptedColumn;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.tenancy.TenantContext;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Sign-up, sign-in and the tenant's users. */
@Service
public class IdentityService implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(IdentityService.class);
    static final Duration INVITATION_TTL = Duration.ofHours(72);
    static final Duration RESET_TTL = Duration.ofMinutes(30);

    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    static final EncryptedColumn TENANT_NAME_COLUMN = new EncryptedColumn("tenants", "id", "name_ciphertext");
    static final FieldCrypto.Field TENANT_NAME = TENANT_NAME_COLUMN.field();

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final SessionTokens sessions;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final FieldCrypto crypto;
    private final OneTimeTokens oneTimeTokens;
    private final Mailer mailer;
    private final String publicUrl;
    private final BruteForceProtection bruteForce;
    private final PersonalAccessTokens accessTokens;
    private final ConsoleSessions consoleSessions;
    private final SecondFactor secondFactor;
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

    IdentityService(UserRepository users, PasswordHasher hasher, PasswordPolicy policy, SessionTokens sessions,
                    TenantContext tenants, TransactionTemplate tx, TenantKeyring keyring, FieldCrypto crypto,
                    OneTimeTokens oneTimeTokens, Mailer mailer, CloudwardenProperties platform,
                    BruteForceProtection bruteForce, PersonalAccessTokens accessTokens, ConsoleSessions consoleSessions,
                    SecondFactor secondFactor) {
        this.secondFactor = secondFactor;
        this.bruteForce = bruteForce;
        this.accessTokens = accessTokens;
        this.consoleSessions = consoleSessions;
        this.keyring = keyring;
        this.crypto = crypto;
        this.oneTimeTokens = oneTimeTokens;
        this.mailer = mailer;
        this.publicUrl = platform.publicUrl();
        this.users = users;
        this.hasher = hasher;
        this.policy = policy;
        this.sessions = sessions;
        this.tenants = tenants;
        this.tx = tx;
    }

    public record SignedUp(UUID tenantId, UUID userId) {
    }

    public record UserView(UUID id, String email, Role role, String status, boolean mfaEnabled, java.time.Instant createdAt) {
    }

    /** Creates an organisation and its first OWNER. 409 when the email is taken anywhere on the platform. */
    public SignedUp signUp(String organization, String email, Secret password) {
        return tenants.detached(() -> signUpDetached(organization, email, password));
    }

    private SignedUp signUpDetached(String organization, String email, Secret password) {
        String name = organization == null ? "" : organization.strip();
        if (name.isEmpty()) {
            throw ApiProblem.invalid("organization", "is required");
        }
        if (name.length() > 200) {
            throw ApiProblem.invalid("organization", "must be at most 200 characters long");
        }
        if (CONTROL.matcher(name).find()) {
            throw ApiProblem.invalid("organization", "must not contain control characters");
        }
        if (email == null || email.isBlank()) {
            throw ApiProblem.invalid("email", "is required");
        }
        String canonicalEmail = Emails.normalize(email);
        if (canonicalEmail == null) {
            throw ApiProblem.invalid("email", "must be a valid email address");
        }
        policy.check(password);

        UUID tenantId = UUID.randomUUID();
        UUID userId = UUID.randomUUID();
        TenantKeys keys = keyring.generate(tenantId);
        String hash = hasher.hash(keys, password);
        try {
            tenants.runAs(tenantId, () -> tx.executeWithoutResult(s -> {
                keyring.store(keys);
                users.insertTenant(tenantId, crypto.encryptString(tenantId, TENANT_NAME, tenantId, name));
                users.insert(userId, tenantId, canonicalEmail, hash, Role.OWNER);
            }));
        } catch (DuplicateKeyException e) {
            throw ApiProblem.conflict("email_taken", "An account with this email already exists.");
        }
        return new SignedUp(tenantId, userId);
    }

    /**
     * Checks an email and password. Every failure looks the same to the caller; unknown accounts
     * cost one Argon2id verification like known ones, over-long passwords cost none for anyone.
     * After repeated failures the account, or the unknown email, is locked for a growing wait: then
     * this throws a 429 {@code too_many_attempts} {@link ApiProblem}, for both alike, and no password
     * is hashed (see {@link BruteForceProtection}).
     * This is the first factor only: a principal with {@code mfaEnabled} still needs its second.
     */
    public Optional<CloudwardenPrincipal> authenticate(String email, Secret password) {
        return tenants.detached(() -> authenticateDetached(email, password));
    }

    private Optional<CloudwardenPrincipal> authenticateDetached(String email, Secret password) {
        if (password == null || password.length() > 2 * PasswordPolicy.MAX_LENGTH
                || password.reveal().codePointCount(0, password.length()) > PasswordPolicy.MAX_LENGTH) {
            return Optional.empty(); // the policy counts code points; so does this refusal
        }
        String canonicalEmail = Emails.canonical(email); // lookup only: accounts from before the stricter check still sign in
        Optional<UserRepository.LoginTarget> target = canonicalEmail == null ? Optional.empty() : users.lookupLogin(canonicalEmail);
        if (target.isEmpty()) {
            if (canonicalEmail != null) {
                bruteForce.beginUnknownAttempt(canonicalEmail);
            }
            hasher.matchDummy(password);
            return Optional.empty();
        }
        UUID tenantId = target.get().tenantId();
        return tenants.callAs(tenantId, () -> {
            bruteForce.beginAttempt(target.get().userId());
            Optional<UserRepository.UserRow> user = tx.execute(s -> users.find(target.get().userId()));
            TenantKeys keys = keyring.keys(tenantId);
            if (user.isEmpty() || user.get().passwordHash() == null) {
                hasher.matchDummy(password); // an invited user has no password yet: same work, same answer
                return Optional.empty();
            }
            if (!hasher.matches(keys, password, user.get().passwordHash())) {
                return Optional.empty();
            }
            UserRepository.UserRow row = user.get();
            Optional<CloudwardenPrincipal> principal = tx.execute(s -> principalOf(row));
            if (principal.isEmpty()) {
                return principal;
            }
            if (hasher.needsUpgrade(row.passwordHash())) {
                String upgraded = hasher.hash(keys, password);
                tx.executeWithoutResult(s -> users.updatePasswordHash(row.id(), upgraded));
            }
            bruteForce.succeeded(row.id());
            return principal;
        });
    }

    /**
     * Signs in for the API: a new session token for the authenticated user. Empty for any wrong
     * email or password, whatever the account's MFA state; for an account with MFA, the password
     * alone gives 401 mfa_required, a wrong or used code 401 invalid_otp, and a code during the
     * back-off after repeated wrong codes 429 too_many_attempts.
     */
    public Optional<SessionTokens.Issued> openSession(String email, Secret password, Secret otp) {
        return tenants.detached(() -> openSessionDetached(email, password, otp));
    }

    private Optional<SessionTokens.Issued> openSessionDetached(String email, Secret password, Secret otp) {
        Optional<CloudwardenPrincipal> principal = authenticate(email, password);
        principal.filter(CloudwardenPrincipal::mfaEnabled).ifPresent(p -> {
            if (otp == null || otp.isBlank()) {
                throw ApiProblem.unauthorized("mfa_required",
                        "This account uses multi-factor authentication: send the code from your authenticator app, or a recovery code, as otp.");
            }
            requireAccepted(tenants.callAs(p.tenantId(), () -> secondFactor.verify(p.userId(), otp)));
        });
        return principal.map(p -> tenants.callAs(p.tenantId(), () -> sessions.issue(p.userId())));
    }

    /** The outcome of the console's second sign-in step: the full principal only when the code was accepted. */
    public record SecondStep(SecondFactor.Result result, Optional<CloudwardenPrincipal> principal) {
    }

    /**
     * The console's second step, for a user whose password was checked a moment ago: checks the
     * code, then reloads the user so a user disabled in between does not get in.
     */
    public SecondStep completeSecondFactor(UUID tenantId, UUID userId, Secret code) {
        return tenants.callAs(tenantId, () -> {
            SecondFactor.Result result = secondFactor.verify(userId, code);
            if (result != SecondFactor.Result.ACCEPTED) {
                return new SecondStep(result, Optional.empty());
            }
            Optional<CloudwardenPrincipal> principal = current(userId);
            return new SecondStep(principal.isPresent() ? result : SecondFactor.Result.REJECTED, principal);
        });
    }

    /** The signed-in user as stored now (role, MFA state, tenant policy), in the tenant in scope; empty if no longer active. */
    public Optional<CloudwardenPrincipal> current(UUID userId) {
        return tx.execute(s -> users.find(userId).flatMap(this::principalOf));
    }

    /** Whether the user must enrol in MFA before doing anything else, read now (the console's session does not go stale). */
    public boolean mfaEnrollmentRequired(CloudwardenPrincipal principal) {
        return tenants.callAs(principal.tenantId(), () -> current(principal.userId())
                .map(CloudwardenPrincipal::mfaEnrollmentRequired).orElse(false));
    }

    private static void requireAccepted(SecondFactor.Result result) {
        switch (result) {
            case ACCEPTED -> { }
            case REJECTED -> throw ApiProblem.unauthorized("invalid_otp", "The code is wrong, expired or already used.");
            case LOCKED -> throw ApiProblem.tooManyRequests("too_many_attempts",
                    "Too many wrong codes. Wait a few minutes, then try again.");
        }
    }

    /** In a transaction of the user's tenant. */
    private Optional<CloudwardenPrincipal> principalOf(UserRepository.UserRow row) {
        boolean tenantActive = users.tenantStatus().filter("ACTIVE"::equals).isPresent();
        if (!row.active() || !tenantActive) {
            return Optional.empty();
        }
        boolean enrollmentRequired = !row.mfaEnabled() && users.tenantRequiresMfa();
        return Optional.of(new CloudwardenPrincipal(row.id(), row.tenantId(), row.email(), row.role(), row.mfaEnabled(), null,
                enrollmentRequired));
    }

    public Optional<CloudwardenPrincipal> resolveSession(Secret token) {
        return sessions.resolve(token);
    }

    public void closeSession(CloudwardenPrincipal principal) {
        if (principal.sessionId() != null) {
            tx.executeWithoutResult(s -> sessions.revoke(principal.sessionId()));
        }
    }

    /**
     * Whether a console principal still matches the user as stored: active, same role, tenant
     * active. Checked on every console request, so disabling or demoting a user takes effect at once.
     */
    public boolean stillValid(CloudwardenPrincipal principal) {
        return tenants.callAs(principal.tenantId(), () -> tx.execute(s -> users.find(principal.userId())
                .filter(UserRepository.UserRow::active)
                .filter(u -> u.role() == principal.role())
                .isPresent() && users.tenantStatus().filter("ACTIVE"::equals).isPresent()));
    }

    /** The organisation name of the tenant in scope, decrypted. */
    public String organizationName() {
        UUID tenant = tenants.require();
        return tx.execute(s -> crypto.decryptString(tenant, TENANT_NAME, tenant, users.tenantNameCiphertext()));
    }

    public List<UserView> listUsers() {
        return tx.execute(s -> users.list().stream().map(IdentityService::view).toList());
    }

    public UserView user(UUID id) {
        return tx.execute(s -> users.find(id).map(IdentityService::view).orElseThrow(ApiProblem::notFound));
    }

    /** Changes a user's role. Only an OWNER may grant or take away OWNER; the last active OWNER stays. */
    public UserView changeRole(CloudwardenPrincipal actor, UUID id, Role role) {
        return tx.execute(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            if ((role == Role.OWNER || target.role() == Role.OWNER) && actor.role() != Role.OWNER) {
                throw ApiProblem.forbidden("Only an OWNER may grant or remove the OWNER role.");
            }
            if (target.role() == Role.OWNER && role != Role.OWNER && target.active() && users.countActiveOwners() <= 1) {
                throw ApiProblem.conflict("last_owner", "The organisation must keep at least one active OWNER.");
            }
            users.updateRole(id, role);
            return view(users.find(id).orElseThrow(ApiProblem::notFound));
        });
    }

    /**
     * Disables a user: they cannot sign in, and their API sessions, personal access tokens and
     * console sessions die in the same transaction (the next request with any of them is anonymous).
     */
    public void disable(CloudwardenPrincipal actor, UUID id) {
        tx.executeWithoutResult(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            if (target.role() == Role.OWNER && actor.role() != Role.OWNER) {
                throw ApiProblem.forbidden("Only an OWNER may disable an OWNER.");
            }
            if (target.role() == Role.OWNER && target.active() && users.countActiveOwners() <= 1) {
                throw ApiProblem.conflict("last_owner", "The organisation must keep at least one active OWNER.");
            }
            users.updateStatus(id, "DISABLED");
            sessions.revokeAllOf(id);
            oneTimeTokens.voidUnused(OneTimeTokens.Purpose.INVITATION, id); // a disabled invitee cannot accept
            oneTimeTokens.voidUnused(OneTimeTokens.Purpose.PASSWORD_RESET, id);
            accessTokens.revokeAllOf(id);
            consoleSessions.deleteAllOf(id);
        });
    }

    /**
     * Invites someone into the tenant in scope: an INVITED user (no password yet) and a single-use
     * link by email. Only an OWNER may invite an OWNER. The email goes out inside the transaction,
     * so a failed send leaves no half-invited user behind.
     */
    public UserView invite(CloudwardenPrincipal actor, String email, Role role) {
        if (role == null) {
            throw ApiProblem.invalid("role", "is required");
        }
        if (email == null || email.isBlank()) {
            throw ApiProblem.invalid("email", "is required");
        }
        String canonicalEmail = Emails.normalize(email);
        if (canonicalEmail == null) {
            throw ApiProblem.invalid("email", "must be a valid email address");
        }
        if (role == Role.OWNER && actor.role() != Role.OWNER) {
            throw ApiProblem.forbidden("Only an OWNER may invite an OWNER.");
        }
        UUID tenant = tenants.require();
        UUID userId = UUID.randomUUID();
        try {
            return tx.execute(s -> {
                users.insertInvited(userId, tenant, canonicalEmail, role);
                Secret token = oneTimeTokens.issue(OneTimeTokens.Purpose.INVITATION, userId, INVITATION_TTL);
                String organization = crypto.decryptString(tenant, TENANT_NAME, tenant, users.tenantNameCiphertext());
                mailer.send(canonicalEmail, "You are invited to " + organization + " on Cloudwarden",
                        "You have been invited to join " + organization + " on Cloudwarden as " + role + ".\n\n"
                                + "Set your password within 72 hours at:\n" + publicUrl + "/invitations/accept#" + token.reveal() + "\n\n"
                                + "If the link does not open the form, go to " + publicUrl + "/invitations/accept and paste this code:\n"
                                + token.reveal() + "\n");
                return view(users.find(userId).orElseThrow());
            });
        } catch (DuplicateKeyException e) {
            throw ApiProblem.conflict("email_taken", "An account with this email already exists.");
        }
    }

    /** Accepts an invitation: sets the password and activates the user. Any bad token gets the same answer. */
    public SignedUp acceptInvitation(Secret token, Secret password) {
        return tenants.detached(() -> acceptInvitationDetached(token, password));
    }

    private SignedUp acceptInvitationDetached(Secret token, Secret password) {
        policy.check(password);
        UUID tenant = oneTimeTokens.tenantOf(OneTimeTokens.Purpose.INVITATION, nullToEmpty(token)).orElseThrow(IdentityService::invalidToken);
        TenantKeys keys = keyring.keys(tenant);
        String hash = hasher.hash(keys, password);
        try {
            return tenants.callAs(tenant, () -> tx.execute(s -> {
                UUID userId = oneTimeTokens.consume(OneTimeTokens.Purpose.INVITATION, token).orElseThrow(IdentityService::invalidToken);
                UserRepository.UserRow user = users.find(userId).filter(u -> "INVITED".equals(u.status())).orElseThrow(IdentityService::invalidToken);
                users.activateWithPassword(user.id(), tenant, user.email(), hash);
                return new SignedUp(tenant, user.id());
            }));
        } catch (DuplicateKeyException e) {
            // the address signed up, or accepted another invitation, since this one was sent; nothing changed
            throw ApiProblem.conflict("email_taken", "An account with this email already exists; sign in with it instead.");
        }
    }

    /**
     * Starts a password reset. The answer never depends on whether the email exists: the lookup, the
     * token and the email happen in the background for every request.
     */
    public void requestPasswordReset(String email) {
        String canonicalEmail = Emails.normalize(email);
        if (canonicalEmail == null) {
            throw ApiProblem.invalid("email", "must be a valid email address");
        }
        background.submit(() -> {
            try {
                users.lookupLogin(canonicalEmail).ifPresent(target -> tenants.runAs(target.tenantId(), () -> tx.executeWithoutResult(s -> {
                    UserRepository.UserRow user = users.find(target.userId()).filter(UserRepository.UserRow::active).orElse(null);
                    if (user == null) {
                        return;
                    }
                    oneTimeTokens.voidUnused(OneTimeTokens.Purpose.PASSWORD_RESET, user.id());
                    Secret token = oneTimeTokens.issue(OneTimeTokens.Purpose.PASSWORD_RESET, user.id(), RESET_TTL);
                    mailer.send(user.email(), "Reset your Cloudwarden password",
                            "Someone asked to reset the password of your Cloudwarden account.\n\n"
                                    + "Choose a new password within 30 minutes at:\n" + publicUrl + "/password-reset/confirm#" + token.reveal() + "\n\n"
                                    + "Or go to " + publicUrl + "/password-reset/confirm and paste this code:\n" + token.reveal() + "\n\n"
                                    + "If you did not ask for this, ignore this email; your password stays as it is.\n");
                })));
            } catch (RuntimeException e) {
                log.warn("A password reset request could not be completed ({})", e.getClass().getSimpleName());
            }
        });
    }

    /** Completes a reset: new password, the token used up, every session of the user revoked. */
    public void confirmPasswordReset(Secret token, Secret password) {
        tenants.detached(() -> {
            confirmPasswordResetDetached(token, password);
            return null;
        });
    }

    private void confirmPasswordResetDetached(Secret token, Secret password) {
        policy.check(password);
        UUID tenant = oneTimeTokens.tenantOf(OneTimeTokens.Purpose.PASSWORD_RESET, nullToEmpty(token)).orElseThrow(IdentityService::invalidToken);
        String hash = hasher.hash(keyring.keys(tenant), password);
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
            UUID userId = oneTimeTokens.consume(OneTimeTokens.Purpose.PASSWORD_RESET, token).orElseThrow(IdentityService::invalidToken);
            UserRepository.UserRow user = users.find(userId).filter(UserRepository.UserRow::active).orElseThrow(IdentityService::invalidToken);
            users.updatePasswordHash(user.id(), hash);
            sessions.revokeAllOf(user.id());
        }));
    }

    /** Re-enables a disabled user; they sign in again with their existing password. */
    public UserView enable(CloudwardenPrincipal actor, UUID id) {
        return tx.execute(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            if (target.role() == Role.OWNER && actor.role() != Role.OWNER) {
                throw ApiProblem.forbidden("Only an OWNER may re-enable an OWNER.");
            }
            if ("DISABLED".equals(target.status()) && target.passwordHash() == null) {
                throw ApiProblem.invalid("status", "this user never accepted their invitation; invite them again");
            }
            if ("DISABLED".equals(target.status())) {
                users.updateStatus(id, "ACTIVE");
            } else if (!"ACTIVE".equals(target.status())) {
                throw ApiProblem.invalid("status", "an invited user becomes ACTIVE by accepting the invitation");
            }
            return view(users.find(id).orElseThrow());
        });
    }

    private static Secret nullToEmpty(Secret token) {
        return token == null ? Secret.of("") : token;
    }

    private static ApiProblem invalidToken() {
        return ApiProblem.invalid("token", "is invalid, expired or already used");
    }

    @Override
    public void destroy() {
        background.shutdown();
    }

    private static UserView view(UserRepository.UserRow row) {
        return new UserView(row.id(), row.email(), row.role(), row.status(), row.mfaEnabled(), row.createdAt());
    }
}
