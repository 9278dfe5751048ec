package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Inviting people into an organisation by email, and accepting an invitation; both recorded in the activity history. */
@Service
public class InvitationService {

    static final Duration INVITATION_TTL = Duration.ofHours(72);

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final FieldCrypto crypto;
    private final OneTimeTokens oneTimeTokens;
    private final Mailer mailer;
    private final ActivityLog activity;
    private final PublicFlows publicFlows;
    private final String publicUrl;

    InvitationService(UserRepository users, PasswordHasher hasher, PasswordPolicy policy, TenantContext tenants, TransactionTemplate tx,
                      TenantKeyring keyring, FieldCrypto crypto, OneTimeTokens oneTimeTokens, Mailer mailer,
                      CloudwardenProperties platform, ActivityLog activity, PublicFlows publicFlows) {
        this.users = users;
        this.activity = activity;
        this.publicFlows = publicFlows;
        this.hasher = hasher;
        this.policy = policy;
        this.tenants = tenants;
        this.tx = tx;
        this.keyring = keyring;
        this.crypto = crypto;
        this.oneTimeTokens = oneTimeTokens;
        this.mailer = mailer;
        this.publicUrl = platform.publicUrl();
    }

    /**
     * Invites someone into the tenant in scope: an INVITED user (no password yet) and a single-use
     * link by email. Only an OWNER may invite an OWNER. The email goes out inside the transaction,
     * so a failed send leaves no half-invited user behind.
     */
    public UserService.UserView invite(CloudwardenPrincipal actor, String email, Role role) {
        if (role == null) {
            throw ApiProblem.invalid("role", "is required");
        }
        String canonicalEmail = Emails.require("email", email);
        OwnerRule.requireOwnerFor(actor, role);
        UUID tenant = tenants.require();
        UUID userId = UUID.randomUUID();
        try {
            return tx.execute(s -> {
                users.insertInvited(userId, tenant, canonicalEmail, role);
                Secret token = oneTimeTokens.issue(OneTimeTokens.Purpose.INVITATION, userId, INVITATION_TTL);
                String organization = crypto.decryptString(tenant, UserService.TENANT_NAME, tenant, users.tenantNameCiphertext());
                mailer.send(canonicalEmail, "You are invited to " + organization + " on Cloudwarden",
                        "You have been invited to join " + organization + " on Cloudwarden as " + role + ".\n\n"
                                + "Set your password within 72 hours at:\n" + publicUrl + "/invitations/accept#" + token.reveal() + "\n\n"
                                + "If the link does not open the form, go to " + publicUrl + "/invitations/accept and paste this code:\n"
                                + token.reveal() + "\n");
                // last: the tenant's chain head stays locked from here to the commit, not through the SMTP call
                activity.record(Action.USER_INVITED, Target.user(userId), Map.of("role", role.name()));
                return UserService.UserView.of(users.find(userId).orElseThrow());
            });
        } catch (DuplicateKeyException e) {
            throw ApiProblem.conflict("email_taken", "An account with this email already exists.");
        }
    }

    /**
     * Accepts an invitation: sets the password and activates the user. Any bad token gets the same
     * answer, and is found bad before the new password is hashed.
     */
    public SignUpService.SignedUp accept(Secret token, Secret password) {
        return publicFlows.asNobody(() -> {
            policy.check(password);
            Secret presented = OneTimeTokens.orEmpty(token);
            UUID tenant = oneTimeTokens.requireLive(OneTimeTokens.Purpose.INVITATION, presented);
            String hash = hasher.hash(keyring.keys(tenant), password);
            try {
                return tenants.callAs(tenant, () -> tx.execute(s -> {
                    UUID userId = oneTimeTokens.consume(OneTimeTokens.Purpose.INVITATION, presented).orElseThrow(OneTimeTokens::invalid);
                    UserRepository.UserRow user = users.find(userId).filter(u -> "INVITED".equals(u.status()))
                            .orElseThrow(OneTimeTokens::invalid);
                    users.activateWithPassword(user.id(), tenant, user.email(), hash);
                    activity.record(Action.USER_INVITATION_ACCEPTED, Target.user(user.id()));
                    return new SignUpService.SignedUp(tenant, user.id());
                }));
            } catch (DuplicateKeyException e) {
                // the address signed up, or accepted another invitation, since this one was sent; nothing changed
                throw ApiProblem.conflict("email_taken", "An account with this email already exists; sign in with it instead.");
            }
        });
    }
}
