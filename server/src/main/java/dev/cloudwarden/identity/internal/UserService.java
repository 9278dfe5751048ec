package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.EncryptedColumn;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The users of the organisation in scope: listing them, changing roles, disabling and re-enabling.
 * Each change is recorded in the activity history in the transaction that makes it, and only when
 * something changed (setting the role a user has, or disabling a disabled user, records nothing).
 */
@Service
public class UserService {

    static final EncryptedColumn TENANT_NAME_COLUMN = new EncryptedColumn("tenants", "id", "name_ciphertext");
    static final FieldCrypto.Field TENANT_NAME = TENANT_NAME_COLUMN.field();

    private final UserRepository users;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final FieldCrypto crypto;
    private final CredentialRevocation revocation;
    private final ActivityLog activity;

    UserService(UserRepository users, TenantContext tenants, TransactionTemplate tx, FieldCrypto crypto, CredentialRevocation revocation,
                ActivityLog activity) {
        this.users = users;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.crypto = crypto;
        this.revocation = revocation;
    }

    public record UserView(UUID id, String email, Role role, String status, boolean mfaEnabled, Instant createdAt) {
        static UserView of(UserRepository.UserRow row) {
            return new UserView(row.id(), row.email(), row.role(), row.status(), row.mfaEnabled(), row.createdAt());
        }
    }

    /** The organisation name of the tenant in scope, decrypted. */
    public String organizationName() {
        UUID tenant = tenants.require();
        return tx.execute(s -> crypto.decryptString(tenant, TENANT_NAME, tenant, users.tenantNameCiphertext()));
    }

    public List<UserView> listUsers() {
        return tx.execute(s -> users.list().stream().map(UserView::of).toList());
    }

    /** The members and the invited, not whoever's invitation was cancelled (the overview lists them). */
    public List<UserView> people() {
        return tx.execute(s -> users.people().stream().map(UserView::of).toList());
    }

    /** The members (not the invited, nor whoever's invitation was cancelled), for the people page. */
    public List<UserView> members() {
        return tx.execute(s -> users.members().stream().map(UserView::of).toList());
    }

    public UserView user(UUID id) {
        return tx.execute(s -> users.find(id).map(UserView::of).orElseThrow(ApiProblem::notFound));
    }

    /** Changes a user's role. Only an OWNER may grant or take away OWNER; the last active OWNER stays. */
    public UserView changeRole(CloudwardenPrincipal actor, UUID id, Role role) {
        return tx.execute(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            OwnerRule.requireOwnerFor(actor, role, target.role());
            if (role != Role.OWNER) {
                OwnerRule.requireAnotherActiveOwner(users, target);
            }
            if (target.role() != role) {
                users.updateRole(id, role);
                activity.record(Action.USER_ROLE_CHANGED, Target.user(id), Map.of("from", target.role().name(), "to", role.name()));
            }
            return UserView.of(users.find(id).orElseThrow(ApiProblem::notFound));
        });
    }

    /**
     * Disables a user: they cannot sign in, and everything they are signed in with ends in the same
     * transaction (the next request with any of it is anonymous); a pending invitation is withdrawn.
     */
    public void disable(CloudwardenPrincipal actor, UUID id) {
        tx.executeWithoutResult(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            OwnerRule.requireOwnerFor(actor, target.role());
            OwnerRule.requireAnotherActiveOwner(users, target);
            if (!"DISABLED".equals(target.status())) {
                users.updateStatus(id, "DISABLED");
                activity.record(Action.USER_DISABLED, Target.user(id));
            }
            revocation.endEverythingOf(id, CredentialEvents.Reason.USER_DISABLED);
        });
    }

    /** Re-enables a disabled user; they sign in again with their existing password. */
    public UserView enable(CloudwardenPrincipal actor, UUID id) {
        return tx.execute(s -> {
            UserRepository.UserRow target = users.find(id).orElseThrow(ApiProblem::notFound);
            OwnerRule.requireOwnerFor(actor, target.role());
            if ("DISABLED".equals(target.status()) && target.passwordHash() == null) {
                throw ApiProblem.invalid("status", "this user never accepted their invitation; invite them again")
                        .saying(target.email() + " never accepted their invitation. Invite them again.");
            }
            if ("DISABLED".equals(target.status())) {
                users.updateStatus(id, "ACTIVE");
                activity.record(Action.USER_ENABLED, Target.user(id));
            } else if (!"ACTIVE".equals(target.status())) {
                throw ApiProblem.invalid("status", "an invited user becomes ACTIVE by accepting the invitation")
                        .saying(target.email() + " becomes active by accepting their invitation.");
            }
            return UserView.of(users.find(id).orElseThrow());
        });
    }
}
