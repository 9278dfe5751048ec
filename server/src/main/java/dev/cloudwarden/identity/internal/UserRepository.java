package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Users of the tenant in scope. No method takes a tenant id for reading: row-level security
 * limits every query to the transaction's tenant. Inserts name the tenant explicitly, and the
 * policy's WITH CHECK refuses any tenant other than the one in scope.
 */
@Repository
class UserRepository {

    record UserRow(UUID id, UUID tenantId, String email, String passwordHash, Role role, String status,
                   boolean mfaEnabled, Instant createdAt) {
        boolean active() {
            return "ACTIVE".equals(status);
        }
    }

    private static final String COLUMNS = "id, tenant_id, email, password_hash, role, status, mfa_enabled, created_at";

    private final JdbcClient jdbc;

    UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insertTenant(UUID tenantId, byte[] nameCiphertext) {
        jdbc.sql("insert into tenants (id, name_ciphertext) values (?, ?)").params(tenantId, nameCiphertext).update();
    }

    byte[] tenantNameCiphertext() {
        return jdbc.sql("select name_ciphertext from tenants").query(byte[].class).single();
    }

    /**
     * The user as a principal if they may act now: an active user of an active tenant (the view
     * active_users is the one definition of that), with the tenant's MFA policy as of now.
     */
    Optional<CloudwardenPrincipal> findActive(UUID id) {
        return jdbc.sql("select " + ACTIVE_COLUMNS + " from active_users u where u.id = ?").param(id)
                .query((rs, n) -> activePrincipal(rs, null)).optional();
    }

    /** The columns {@link #activePrincipal} reads, from active_users aliased {@code u}. */
    static final String ACTIVE_COLUMNS = "u.id, u.tenant_id, u.email, u.role, u.mfa_enabled, u.mfa_enrollment_required";

    /** A principal from a row of active_users ({@link #ACTIVE_COLUMNS}), authenticated through {@code sessionId} (or null). */
    static CloudwardenPrincipal activePrincipal(java.sql.ResultSet rs, UUID sessionId) throws java.sql.SQLException {
        return new CloudwardenPrincipal(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class), rs.getString("email"),
                Role.valueOf(rs.getString("role")), rs.getBoolean("mfa_enabled"), sessionId, rs.getBoolean("mfa_enrollment_required"));
    }

    void insert(UUID id, UUID tenantId, String email, String passwordHash, Role role) {
        jdbc.sql("insert into users (id, tenant_id, email, password_hash, role) values (?, ?, ?, ?, ?)")
                .params(id, tenantId, email, passwordHash, role.name()).update();
        jdbc.sql("insert into login_directory (email, tenant_id, user_id) values (?, ?, ?)")
                .params(email, tenantId, id).update();
    }

    /**
     * An invited user is unique within the tenant only: the platform-wide email (login_directory) is
     * claimed when the invitation is accepted, so no tenant can block or probe an address elsewhere.
     */
    void insertInvited(UUID id, UUID tenantId, String email, Role role) {
        jdbc.sql("insert into users (id, tenant_id, email, password_hash, role, status) values (?, ?, ?, null, ?, 'INVITED')")
                .params(id, tenantId, email, role.name()).update();
    }

    /** Activates an invited user and claims their email platform-wide (a duplicate key if it is taken meanwhile). */
    void activateWithPassword(UUID id, UUID tenantId, String email, String passwordHash) {
        jdbc.sql("update users set password_hash = ?, status = 'ACTIVE' where id = ?").params(passwordHash, id).update();
        jdbc.sql("insert into login_directory (email, tenant_id, user_id) values (?, ?, ?)")
                .params(email, tenantId, id).update();
    }

    /** The user of the tenant in scope with this canonical address, whatever their status. */
    Optional<UserRow> findByEmail(String canonicalEmail) {
        return jdbc.sql("select " + COLUMNS + " from users where email = ?").param(canonicalEmail).query(this::row).optional();
    }

    /**
     * Invites again someone whose earlier invitation was cancelled (DISABLED, never given a password):
     * the same user, INVITED again with the role chosen now. False if they are not such a user.
     */
    boolean reinvite(UUID id, Role role) {
        return jdbc.sql("update users set status = 'INVITED', role = ? where id = ? and status = 'DISABLED' and password_hash is null")
                .params(role.name(), id).update() == 1;
    }

    Optional<UserRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from users where id = ?").param(id).query(this::row).optional();
    }

    List<UserRow> list() {
        return jdbc.sql("select " + COLUMNS + " from users order by created_at, id").query(this::row).list();
    }

    /**
     * The members: everyone who accepted an invitation or signed up, active or disabled. Not the
     * invited (pending invitations are listed apart) nor whoever's invitation was cancelled before
     * they accepted it (DISABLED without a password: never a member).
     */
    List<UserRow> members() {
        return jdbc.sql("select " + COLUMNS + " from users where status = 'ACTIVE' or (status = 'DISABLED' and password_hash is not null) "
                + "order by created_at, id").query(this::row).list();
    }

    /** The members and the invited: everyone but those whose invitation was cancelled. */
    List<UserRow> people() {
        return jdbc.sql("select " + COLUMNS + " from users where not (status = 'DISABLED' and password_hash is null) "
                + "order by created_at, id").query(this::row).list();
    }

    /** A pending invitation: the invited user, their latest link (null times if none) and who sent it (null if unknown). */
    record PendingRow(UUID id, String email, Role role, Instant sentAt, Instant expiresAt, boolean live, String invitedBy) {
    }

    // a link voided before its time (the organisation's termination voids them) expired when it was voided: least()
    private static final String PENDING = """
            select u.id, u.email, u.role, t.created_at, least(t.expires_at, t.used_at) as expires_at,
                   (t.used_at is null and t.expires_at > ?) as live, i.email as invited_by
            from users u
            left join lateral (select o.created_at, o.expires_at, o.used_at, o.issued_by from one_time_tokens o
                               where o.user_id = u.id and o.purpose = 'INVITATION' order by o.created_at desc limit 1) t on true
            left join users i on i.id = t.issued_by
            where u.status = 'INVITED'""";

    /** The pending invitations of the tenant in scope, oldest first; {@code live} is judged at {@code now}. */
    List<PendingRow> pendingInvitations(Instant now) {
        return jdbc.sql(PENDING + " order by u.created_at, u.id").param(java.sql.Timestamp.from(now)).query(this::pendingRow).list();
    }

    Optional<PendingRow> pendingInvitation(UUID id, Instant now) {
        return jdbc.sql(PENDING + " and u.id = ?").params(java.sql.Timestamp.from(now), id).query(this::pendingRow).optional();
    }

    private PendingRow pendingRow(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        java.sql.Timestamp sent = rs.getTimestamp("created_at");
        java.sql.Timestamp expires = rs.getTimestamp("expires_at");
        return new PendingRow(rs.getObject("id", UUID.class), rs.getString("email"), Role.valueOf(rs.getString("role")),
                sent == null ? null : sent.toInstant(), expires == null ? null : expires.toInstant(), rs.getBoolean("live"),
                rs.getString("invited_by"));
    }

    long countActiveOwners() {
        // Locks the active owners, so two owners demoting each other at once cannot both pass this check.
        return jdbc.sql("select id from users where role = 'OWNER' and status = 'ACTIVE' for update").query(UUID.class).list().size();
    }

    void updatePasswordHash(UUID id, String hash) {
        jdbc.sql("update users set password_hash = ? where id = ?").params(hash, id).update();
    }

    void updateRole(UUID id, Role role) {
        jdbc.sql("update users set role = ? where id = ?").params(role.name(), id).update();
    }

    /** Whether the subscription of the tenant in scope has ended. */
    boolean tenantTerminated() {
        return jdbc.sql("select count(*) from tenants where status = 'TERMINATED'").query(Integer.class).single() == 1;
    }

    void updateStatus(UUID id, String status) {
        jdbc.sql("update users set status = ? where id = ?").params(status, id).update();
    }

    /** The one cross-tenant read: which tenant and user an exact email belongs to (login_lookup, SECURITY DEFINER). */
    Optional<LoginTarget> lookupLogin(String canonicalEmail) {
        return jdbc.sql("select tenant_id, user_id from login_lookup(?)").param(canonicalEmail)
                .query((rs, n) -> new LoginTarget(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                .optional();
    }

    record LoginTarget(UUID tenantId, UUID userId) {
    }

    private UserRow row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new UserRow(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class),
                rs.getString("email"), rs.getString("password_hash"), Role.valueOf(rs.getString("role")),
                rs.getString("status"), rs.getBoolean("mfa_enabled"), rs.getTimestamp("created_at").toInstant());
    }
}
