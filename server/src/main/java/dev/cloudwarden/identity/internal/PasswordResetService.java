package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.abuse.BruteForceProtection;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Resetting a forgotten (or stolen) password by email. */
@Service
public class PasswordResetService {

    static final Duration RESET_TTL = Duration.ofMinutes(30);

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final OneTimeTokens oneTimeTokens;
    private final Mailer mailer;
    private final BackgroundMail background;
    private final CredentialRevocation revocation;
    private final BruteForceProtection bruteForce;
    private final ActivityLog activity;
    private final PublicFlows publicFlows;
    private final String publicUrl;

    PasswordResetService(UserRepository users, PasswordHasher hasher, PasswordPolicy policy, TenantContext tenants, TransactionTemplate tx,
                         TenantKeyring keyring, OneTimeTokens oneTimeTokens, Mailer mailer, BackgroundMail background,
                         CredentialRevocation revocation, BruteForceProtection bruteForce, CloudwardenProperties platform,
                         ActivityLog activity, PublicFlows publicFlows) {
        this.users = users;
        this.activity = activity;
        this.publicFlows = publicFlows;
        this.hasher = hasher;
        this.policy = policy;
        this.tenants = tenants;
        this.tx = tx;
        this.keyring = keyring;
        this.oneTimeTokens = oneTimeTokens;
        this.mailer = mailer;
        this.background = background;
        this.revocation = revocation;
        this.bruteForce = bruteForce;
        this.publicUrl = platform.publicUrl();
    }

    /**
     * Starts a password reset. The answer never depends on whether the email exists: the lookup, the
     * token and the email happen in the background for every request. A request for an active
     * account of an active organisation is recorded in that account's tenant; one for no account leaves no trace in any
     * tenant. Being background work, its event has no request: no source address, actor "system".
     */
    public void request(String email) {
        String canonicalEmail = Emails.require("email", email);
        background.submit("password reset request", () -> users.lookupLogin(canonicalEmail).ifPresent(target ->
                tenants.runAs(target.tenantId(), () -> {
                    // committed before the mail goes out, so the link works the moment it arrives
                    Optional<Reset> reset = tx.execute(s -> {
                        // an active user of an active organisation (active_users): a terminated one stays as it was until renewal or purge
                        CloudwardenPrincipal user = users.findActive(target.userId()).orElse(null);
                        if (user == null) {
                            return Optional.<Reset>empty();
                        }
                        oneTimeTokens.voidUnused(OneTimeTokens.Purpose.PASSWORD_RESET, user.userId());
                        Secret token = oneTimeTokens.issue(OneTimeTokens.Purpose.PASSWORD_RESET, user.userId(), RESET_TTL);
                        activity.record(Action.PASSWORD_RESET_REQUESTED, Target.user(user.userId()));
                        return Optional.of(new Reset(user.email(), token));
                    });
                    reset.ifPresent(r -> mailer.send(r.email(), "Reset your Cloudwarden password",
                            "Someone asked to reset the password of your Cloudwarden account.\n\n"
                                    + "Choose a new password within 30 minutes at:\n" + publicUrl + "/password-reset/confirm#" + r.token().reveal() + "\n\n"
                                    + "Or go to " + publicUrl + "/password-reset/confirm and paste this code:\n" + r.token().reveal() + "\n\n"
                                    + "Choosing a new password signs you out everywhere: every session and every personal access token ends.\n"
                                    + "If you did not ask for this, ignore this email; your password stays as it is.\n"));
                })));
    }

    /** A reset link to send: where, and the token (its value only in this record, on its way to the mail). */
    private record Reset(String email, Secret token) {
    }

    /**
     * Completes a reset: the token is checked before the new password is hashed, then in one
     * transaction the password changes, the token is used up, and everything the user was signed in
     * with ends (API and console sessions, personal access tokens): whoever else had them is out.
     * A sign-in lockout of the account is lifted.
     */
    public void confirm(Secret token, Secret password) {
        publicFlows.asNobody(() -> {
            policy.check(password);
            Secret presented = OneTimeTokens.orEmpty(token);
            UUID tenant = oneTimeTokens.requireLive(OneTimeTokens.Purpose.PASSWORD_RESET, presented);
            String hash = hasher.hash(keyring.keys(tenant), password);
            tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
                UUID id = oneTimeTokens.consume(OneTimeTokens.Purpose.PASSWORD_RESET, presented).orElseThrow(OneTimeTokens::invalid);
                UUID user = users.findActive(id).map(CloudwardenPrincipal::userId).orElseThrow(OneTimeTokens::invalid);
                users.updatePasswordHash(user, hash);
                activity.record(Action.PASSWORD_RESET_COMPLETED, Target.user(user));
                revocation.endEverythingOf(user, CredentialEvents.Reason.PASSWORD_RESET);
                bruteForce.forgetFailures(user);
            }));
            return null;
        });
    }
}
