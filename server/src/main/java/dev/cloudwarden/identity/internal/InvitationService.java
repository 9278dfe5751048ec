package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Inviting people into an organisation by email, the pending invitations (resend, cancel), and
 * accepting one; every change recorded in the activity history in its transaction.
 *
 * <p>An invitation is an INVITED user with a single-use link. Resending voids the link and mails a
 * new one whose expiry starts again; cancelling voids it and leaves the user DISABLED without a
 * password (users are never deleted: the history keeps their id), which is no member: such an
 * address can be invited again, as the same user.
 */
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
    private final Clock clock;
    private final String publicUrl;

    InvitationService(UserRepository users, PasswordHasher hasher, PasswordPolicy policy, TenantContext tenants, TransactionTemplate tx,
                      TenantKeyring keyring, FieldCrypto crypto, OneTimeTokens oneTimeTokens, Mailer mailer,
                      CloudwardenProperties platform, ActivityLog activity, PublicFlows publicFlows, Clock clock) {
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
        this.clock = clock;
        this.publicUrl = platform.publicUrl();
    }

    /**
     * A pending invitation as its organisation's admins see it.
     *
     * @param id        the invited user's id (the same as in {@code /api/v1/users})
     * @param invitedBy the email of whoever sent the current link, or null when that is not known
     * @param sentAt    when the current link was sent
     * @param expired   whether the current link no longer works (it can be resent)
     */
    public record PendingInvitation(UUID id, String email, Role role, String invitedBy, Instant sentAt, Instant expiresAt, boolean expired) {
        static PendingInvitation of(UserRepository.PendingRow row) {
            return new PendingInvitation(row.id(), row.email(), row.role(), row.invitedBy(), row.sentAt(), row.expiresAt(), !row.live());
        }
    }

    /** What the accept page tells the holder of a live link before they choose a password. */
    public record InvitationDetails(String organization, String email, Role role, String invitedBy, Instant expiresAt) {
    }

    /** The pending invitations of the tenant in scope, oldest first. */
    public List<PendingInvitation> pending() {
        Instant now = clock.instant();
        return tx.execute(s -> users.pendingInvitations(now).stream().map(PendingInvitation::of).toList());
    }

    /** The pending invitation to this address in the tenant in scope, if there is one. */
    public Optional<PendingInvitation> pendingFor(String email) {
        String canonical = Emails.canonical(email);
        if (canonical == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return tx.execute(s -> users.findByEmail(canonical).flatMap(u -> users.pendingInvitation(u.id(), now)).map(PendingInvitation::of));
    }

    /**
     * Invites someone into the tenant in scope: an INVITED user (no password yet) and a single-use
     * link by email. Only an OWNER may invite an OWNER. The email goes out inside the transaction,
     * so a failed send leaves no half-invited user behind. An address with a pending invitation is
     * not invited twice (409 {@code invitation_pending}: resend that one), a member not at all (409
     * {@code email_taken}); one whose invitation was cancelled is invited again. Only this tenant's
     * users are looked at: an address with an account elsewhere is invited like any other.
     */
    public UserService.UserView invite(CloudwardenPrincipal actor, String email, Role role) {
        if (role == null) {
            throw ApiProblem.invalid("role", "is required").saying("Choose a role.");
        }
        String canonicalEmail = Emails.require("email", email);
        OwnerRule.requireOwnerFor(actor, role);
        UUID tenant = tenants.require();
        try {
            return tx.execute(s -> {
                Optional<UserRepository.UserRow> existing = users.findByEmail(canonicalEmail);
                UUID userId;
                if (existing.isEmpty()) {
                    userId = UUID.randomUUID();
                    users.insertInvited(userId, tenant, canonicalEmail, role);
                } else if ("INVITED".equals(existing.get().status())) {
                    throw alreadyInvited(existing.get());
                } else if (users.reinvite(existing.get().id(), role)) {
                    userId = existing.get().id();
                } else {
                    throw alreadyMember(existing.get());
                }
                sendInvitation(actor, tenant, userId, canonicalEmail, role);
                // last: the tenant's chain head stays locked from here to the commit, not through the SMTP call
                activity.record(Action.USER_INVITED, Target.user(userId), Map.of("role", role.name()));
                return UserService.UserView.of(users.find(userId).orElseThrow());
            });
        } catch (DuplicateKeyException e) {
            // the same address was invited by someone else a moment ago
            throw ApiProblem.conflict("invitation_pending", PENDING_MESSAGE)
                    .saying(canonicalEmail + " has a pending invitation already: it was sent a moment ago.");
        }
    }

    private static final String PENDING_MESSAGE =
            "This address has a pending invitation to this organisation already: resend it (POST /api/v1/invitations/{id}/resend).";

    private ApiProblem alreadyInvited(UserRepository.UserRow user) {
        boolean live = users.pendingInvitation(user.id(), clock.instant()).map(UserRepository.PendingRow::live).orElse(false);
        return ApiProblem.conflict("invitation_pending", PENDING_MESSAGE).saying(live
                ? user.email() + " has a pending invitation already, as " + user.role().label() + ". Resend it to send a new link, "
                        + "or cancel it to invite them with another role."
                : user.email() + " was invited already, as " + user.role().label() + ", and that invitation has expired. "
                        + "Resend it to send a new link.");
    }

    private static ApiProblem alreadyMember(UserRepository.UserRow user) {
        // the same answer as before for the API; the person reads whom it is about (a member of their own organisation)
        return ApiProblem.conflict("email_taken", "An account with this email already exists.").saying("DISABLED".equals(user.status())
                ? user.email() + " is already a member of this organisation, and is disabled. Enable them to let them sign in again."
                : user.email() + " is already a member of this organisation.");
    }

    /**
     * Sends a new link for a pending invitation (expired or not): the old link stops working and the
     * 72 hours start again; the sender becomes the inviter. 404 for no such user, 409 {@code not_invited}
     * for someone who is no longer invited. Only an OWNER may resend an OWNER's invitation.
     */
    public PendingInvitation resend(CloudwardenPrincipal actor, UUID id) {
        UUID tenant = tenants.require();
        return tx.execute(s -> {
            UserRepository.UserRow user = requireInvited(id);
            OwnerRule.requireOwnerFor(actor, user.role());
            oneTimeTokens.voidUnused(OneTimeTokens.Purpose.INVITATION, id);
            sendInvitation(actor, tenant, id, user.email(), user.role());
            activity.record(Action.USER_INVITATION_RESENT, Target.user(id));
            return PendingInvitation.of(users.pendingInvitation(id, clock.instant()).orElseThrow());
        });
    }

    /**
     * Cancels a pending invitation: its link stops working and the invited user is DISABLED without a
     * password (never a member); the address may be invited again. 404 for no such user, 409
     * {@code not_invited} for someone who is no longer invited. Returns the address.
     */
    public String cancel(CloudwardenPrincipal actor, UUID id) {
        return tx.execute(s -> {
            UserRepository.UserRow user = requireInvited(id);
            OwnerRule.requireOwnerFor(actor, user.role());
            oneTimeTokens.voidUnused(OneTimeTokens.Purpose.INVITATION, id);
            users.updateStatus(id, "DISABLED");
            activity.record(Action.USER_INVITATION_CANCELLED, Target.user(id));
            return user.email();
        });
    }

    private UserRepository.UserRow requireInvited(UUID id) {
        UserRepository.UserRow user = users.find(id).orElseThrow(ApiProblem::notFound);
        if (!"INVITED".equals(user.status())) {
            throw ApiProblem.conflict("not_invited", "This user has no pending invitation: they accepted it, or it was cancelled.")
                    .saying(user.email() + " has no pending invitation any more: they accepted it, or it was cancelled.");
        }
        return user;
    }

    /** Issues a link from {@code actor} and mails it, inside the caller's transaction. */
    private void sendInvitation(CloudwardenPrincipal actor, UUID tenant, UUID userId, String email, Role role) {
        Secret token = oneTimeTokens.issue(OneTimeTokens.Purpose.INVITATION, userId, INVITATION_TTL, actor.userId());
        String organization = crypto.decryptString(tenant, UserService.TENANT_NAME, tenant, users.tenantNameCiphertext());
        mailer.send(email, "You are invited to " + organization + " on Cloudwarden",
                actor.email() + " invited you to join " + organization + " on Cloudwarden as " + role.label() + ".\n\n"
                        + "Set your password within 72 hours at:\n" + publicUrl + "/invitations/accept#" + token.reveal() + "\n\n"
                        + "If the link does not open the form, go to " + publicUrl + "/invitations/accept and paste this code:\n"
                        + token.reveal() + "\n\n"
                        + "If the link has expired, ask " + actor.email() + " to send you a new invitation.\n");
    }

    /**
     * What a live invitation link is for: the organisation, the address, the role and who sent it,
     * for the accept page, before any password is chosen. Any bad link (unknown, expired, cancelled,
     * used, malformed) gets the same 400 {@code token}.
     */
    public InvitationDetails details(Secret token) {
        return publicFlows.asNobody(() -> {
            Secret presented = OneTimeTokens.orEmpty(token);
            UUID tenant = oneTimeTokens.requireLive(OneTimeTokens.Purpose.INVITATION, presented);
            return tenants.callAs(tenant, () -> tx.execute(s -> {
                OneTimeTokens.Issued issued = oneTimeTokens.peek(OneTimeTokens.Purpose.INVITATION, presented).orElseThrow(OneTimeTokens::invalid);
                UserRepository.UserRow user = users.find(issued.userId()).filter(u -> "INVITED".equals(u.status()))
                        .orElseThrow(OneTimeTokens::invalid);
                String inviter = issued.issuedBy() == null ? null : users.find(issued.issuedBy()).map(UserRepository.UserRow::email).orElse(null);
                String organization = crypto.decryptString(tenant, UserService.TENANT_NAME, tenant, users.tenantNameCiphertext());
                return new InvitationDetails(organization, user.email(), user.role(), inviter, issued.expiresAt());
            }));
        });
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
                throw ApiProblem.conflict("email_taken", "An account with this email already exists; sign in with it instead.")
                        .saying("This email address has a Cloudwarden account already, so it cannot join another organisation. "
                                + "Sign in with it instead.");
            }
        });
    }
}
