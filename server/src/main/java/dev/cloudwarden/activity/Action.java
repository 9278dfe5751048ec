package dev.cloudwarden.activity;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The catalogue of recorded actions (docs/activity.md lists the same, checked by a test). Each
 * declares its name, its log, who the actor is when nobody is signed in, and the detail keys whose
 * values stay readable; every other detail value is stored as the tenant's keyed hash.
 */
public enum Action {

    USER_SIGNED_UP("user.signed_up", Log.TENANT, Actor.TARGET),
    USER_SIGNED_IN("user.signed_in", Log.TENANT, Actor.TARGET, "channel", "second_factor"),
    USER_SIGN_IN_FAILED("user.sign_in_failed", Log.TENANT, Actor.ANONYMOUS, "reason"),
    USER_LOCKED_OUT("user.locked_out", Log.TENANT, Actor.ANONYMOUS, "failures", "until"),
    MFA_ENROLLED("mfa.enrolled", Log.TENANT, Actor.TARGET, "method"),
    MFA_DISABLED("mfa.disabled", Log.TENANT, Actor.TARGET, "method"),
    MFA_RECOVERY_CODE_USED("mfa.recovery_code_used", Log.TENANT, Actor.TARGET, "remaining"),
    MFA_RECOVERY_CODES_REGENERATED("mfa.recovery_codes_regenerated", Log.TENANT, Actor.TARGET, "replaced"),
    MFA_POLICY_CHANGED("tenant.mfa_policy_changed", Log.TENANT, Actor.ANONYMOUS, "required"),
    USER_INVITED("user.invited", Log.TENANT, Actor.ANONYMOUS, "role"),
    USER_INVITATION_ACCEPTED("user.invitation_accepted", Log.TENANT, Actor.TARGET),
    USER_INVITATION_RESENT("user.invitation_resent", Log.TENANT, Actor.ANONYMOUS),
    USER_INVITATION_CANCELLED("user.invitation_cancelled", Log.TENANT, Actor.ANONYMOUS),
    USER_ROLE_CHANGED("user.role_changed", Log.TENANT, Actor.ANONYMOUS, "from", "to"),
    USER_DISABLED("user.disabled", Log.TENANT, Actor.ANONYMOUS),
    USER_ENABLED("user.enabled", Log.TENANT, Actor.ANONYMOUS),
    PASSWORD_RESET_REQUESTED("user.password_reset_requested", Log.TENANT, Actor.ANONYMOUS),
    PASSWORD_RESET_COMPLETED("user.password_reset_completed", Log.TENANT, Actor.TARGET),
    SESSION_ENDED("session.ended", Log.TENANT, Actor.TARGET, "kind", "reason", "session"),
    TOKEN_CREATED("token.created", Log.TENANT, Actor.ANONYMOUS, "scopes", "expires_at"),
    TOKEN_REVOKED("token.revoked", Log.TENANT, Actor.ANONYMOUS, "reason"),
    DATA_KEY_ROTATION_STARTED("tenant.data_key_rotation_started", Log.TENANT, Actor.ANONYMOUS),
    DATA_KEY_ROTATION_FINISHED("tenant.data_key_rotation_finished", Log.TENANT, Actor.ANONYMOUS, "reencrypted", "outcome"),
    CLOUD_EXTERNAL_ID_CREATED("cloud.external_id_created", Log.TENANT, Actor.ANONYMOUS),
    CLOUD_ACCOUNT_ADDED("cloud_account.added", Log.TENANT, Actor.ANONYMOUS, "provider", "regions"),
    CLOUD_ACCOUNT_VERIFIED("cloud_account.verified", Log.TENANT, Actor.ANONYMOUS, "outcome", "code", "role_session_name"),
    CLOUD_ACCOUNT_SYNC_STARTED("cloud_account.sync_started", Log.TENANT, Actor.ANONYMOUS),
    CLOUD_ACCOUNT_SYNCED("cloud_account.synced", Log.TENANT, Actor.ANONYMOUS, "outcome", "code", "role_session_name", "instances", "volumes",
            "snapshots"),
    CLOUD_ACCOUNT_DELETED("cloud_account.deleted", Log.TENANT, Actor.ANONYMOUS),
    JOB_CREATED("job.created", Log.TENANT, Actor.ANONYMOUS, "type"),
    JOB_CHANGED("job.changed", Log.TENANT, Actor.ANONYMOUS, "changes"),
    JOB_DELETED("job.deleted", Log.TENANT, Actor.ANONYMOUS),
    JOB_RUN_STARTED("job.run_started", Log.TENANT, Actor.ANONYMOUS, "dry_run", "trigger", "role_session_name", "attempt"),
    JOB_RUN_FINISHED("job.run_finished", Log.TENANT, Actor.ANONYMOUS, "outcome", "code", "resources", "role_session_name"),
    INSTANCE_STOPPED("instance.stopped", Log.TENANT, Actor.ANONYMOUS, "region", "job", "run"),
    INSTANCE_STARTED("instance.started", Log.TENANT, Actor.ANONYMOUS, "region", "job", "run"),
    SNAPSHOT_CREATED("snapshot.created", Log.TENANT, Actor.ANONYMOUS, "region", "job", "run"),
    SNAPSHOT_DELETED("snapshot.deleted", Log.TENANT, Actor.ANONYMOUS, "region", "job", "run"),
    TENANT_TERMINATED("tenant.terminated", Log.TENANT, Actor.ANONYMOUS, "retention", "purge_after"),
    TENANT_RENEWED("tenant.renewed", Log.TENANT, Actor.ANONYMOUS),
    TENANT_PURGE_NOTICE_SENT("tenant.purge_notice_sent", Log.TENANT, Actor.ANONYMOUS, "purge_after", "recipients"),
    AGENT_ENROLLMENT_TOKEN_CREATED("agent.enrollment_token_created", Log.TENANT, Actor.ANONYMOUS, "expires_at"),
    AGENT_ENROLLED("agent.enrolled", Log.TENANT, Actor.ANONYMOUS, "token"),
    AGENT_REVOKED("agent.revoked", Log.TENANT, Actor.ANONYMOUS, "reason"),
    AGENT_COMMAND_ISSUED("agent.command_issued", Log.TENANT, Actor.ANONYMOUS, "agent", "type", "expires_at"),
    AGENT_COMMAND_COMPLETED("agent.command_completed", Log.TENANT, Actor.ANONYMOUS, "agent", "type", "outcome"),
    AGENT_KEY_ROTATED("agent.key_rotated", Log.TENANT, Actor.ANONYMOUS, "command"),
    // platform access (docs/operators.md): what operators asked, were granted and read of this tenant, shown to it
    ACCESS_REQUESTED("access.requested", Log.TENANT, Actor.ANONYMOUS, "request", "scopes", "duration_minutes", "ticket", "reason",
            "customer_approval"),
    ACCESS_APPROVED("access.approved", Log.TENANT, Actor.ANONYMOUS, "request", "by", "active", "expires_at"),
    ACCESS_DENIED("access.denied", Log.TENANT, Actor.ANONYMOUS, "request", "by"),
    ACCESS_REVOKED("access.revoked", Log.TENANT, Actor.ANONYMOUS, "request", "by"),
    ACCESS_EXPIRED("access.expired", Log.TENANT, Actor.ANONYMOUS, "request", "expired_at"),
    ACCESS_READ("access.read", Log.TENANT, Actor.ANONYMOUS, "request", "scope", "route"),
    LOCKBOX_CHANGED("tenant.customer_approval_changed", Log.TENANT, Actor.ANONYMOUS, "required"),
    OPERATOR_CREATED("platform.operator_created", Log.PLATFORM, Actor.ANONYMOUS, "operator", "role"),
    OPERATOR_ENROLLED("platform.operator_enrolled", Log.PLATFORM, Actor.ANONYMOUS, "operator"),
    OPERATOR_DISABLED("platform.operator_disabled", Log.PLATFORM, Actor.ANONYMOUS, "operator"),
    OPERATOR_SIGNED_IN("platform.operator_signed_in", Log.PLATFORM, Actor.ANONYMOUS, "operator", "channel"),
    OPERATOR_SIGN_IN_FAILED("platform.operator_sign_in_failed", Log.PLATFORM, Actor.ANONYMOUS, "reason"),
    OPERATOR_SIGNED_OUT("platform.operator_signed_out", Log.PLATFORM, Actor.ANONYMOUS, "operator"),
    OPERATOR_ACCESS_CHANGED("platform.access_request_changed", Log.PLATFORM, Actor.ANONYMOUS, "request", "tenant", "change"),
    OPERATOR_TENANT_LIFECYCLE("platform.tenant_lifecycle_changed", Log.PLATFORM, Actor.ANONYMOUS, "tenant", "change"),
    OPERATOR_TENANT_KEY_ROTATED("platform.tenant_data_key_rotated", Log.PLATFORM, Actor.ANONYMOUS, "tenant"),
    OPERATOR_TOMBSTONES_VIEWED("platform.tombstones_viewed", Log.PLATFORM, Actor.ANONYMOUS, "count"),
    PLATFORM_SIGN_IN_FAILED("platform.sign_in_failed", Log.PLATFORM, Actor.ANONYMOUS, "reason"),
    PLATFORM_KEK_ROTATED("platform.kek_rotated", Log.PLATFORM, Actor.ANONYMOUS, "kek", "keysets"),
    PLATFORM_AUDIT_KEY_ROTATED("platform.audit_key_rotated", Log.PLATFORM, Actor.ANONYMOUS, "previous"),
    PLATFORM_TENANT_PURGED("platform.tenant_purged", Log.PLATFORM, Actor.ANONYMOUS, "rows", "activity_seq", "activity_head_hash"),
    SECURITY_REPORT_RECEIVED("platform.security_report_received", Log.PLATFORM, Actor.ANONYMOUS, "reference"),
    SECURITY_REPORT_READ("platform.security_report_read", Log.PLATFORM, Actor.ANONYMOUS, "reference"),
    SECURITY_REPORT_TRIAGED("platform.security_report_triaged", Log.PLATFORM, Actor.ANONYMOUS, "reference", "status");

    /** Which chain an action goes to. */
    public enum Log {
        /** The chain of the tenant in scope, in the transaction of the change. */
        TENANT,
        /** The platform's chain ({@link ActivityLog#PLATFORM}); only clear detail keys are allowed there. */
        PLATFORM
    }

    /**
     * Who acted when no user is signed in. With a signed-in user the actor is always that user (with a
     * signed-in operator that operator, in a host agent's signed request that agent); in work that no
     * request started (schedules, commands) it is the system.
     */
    public enum Actor {
        /**
         * Self-service: the target user acts on themselves (signing in, accepting an invitation, signing
         * out), in a request; outside any request the actor is {@code system}.
         */
        TARGET,
        /** Nobody in particular: {@code anonymous} in a request (a failed sign-in), {@code system} outside one. */
        ANONYMOUS
    }

    private final String id;
    private final Log log;
    private final Actor actor;
    private final Set<String> clearKeys;

    Action(String id, Log log, Actor actor, String... clearKeys) {
        this.id = id;
        this.log = log;
        this.actor = actor;
        this.clearKeys = Set.of(clearKeys);
    }

    /** The name events carry, e.g. {@code user.signed_in}. */
    public String id() {
        return id;
    }

    public Log log() {
        return log;
    }

    public Actor actor() {
        return actor;
    }

    /** The detail keys whose values are written as they are; they must never hold a secret or personal data. */
    public Set<String> clearKeys() {
        return clearKeys;
    }

    public static Optional<Action> byId(String id) {
        return Arrays.stream(values()).filter(a -> a.id.equals(id)).findFirst();
    }
}
