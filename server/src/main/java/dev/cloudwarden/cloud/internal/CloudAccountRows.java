package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.crypto.EncryptedColumn;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The SQL of cloud_accounts, for the tenant in the caller's transaction (row-level security scopes every statement). */
@Component
class CloudAccountRows {

    static final EncryptedColumn ROLE_ARN = new EncryptedColumn("cloud_accounts", "id", "role_arn_ciphertext");

    /** An account as every read shows it: the ARN masked, never whole. */
    record Account(UUID id, String name, String provider, String roleArnMasked, List<String> regions, Verification verification,
                   Sync sync, Instant createdAt) {
    }

    /** The last verification: status unverified, verified or failed; code and message when it failed. */
    record Verification(String status, String code, String message, Instant checkedAt, String roleSessionName) {
    }

    /** The last inventory sync, or all null before the first one. */
    record Sync(String status, String code, String message, Instant startedAt, Instant finishedAt, String roleSessionName) {
    }

    private static final String COLUMNS = """
            id, name, provider, role_arn_masked, regions, status, status_code, status_message, checked_at, verify_role_session,
            sync_status, sync_code, sync_message, sync_started_at, sync_finished_at, sync_role_session, created_at""";

    private final JdbcClient jdbc;

    CloudAccountRows(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, UUID tenant, String name, byte[] roleArnCiphertext, byte[] roleArnHash, String masked, List<String> regions,
                Instant createdAt) {
        jdbc.sql("""
                        insert into cloud_accounts (id, tenant_id, name, provider, role_arn_ciphertext, role_arn_hash, role_arn_masked,
                                                    regions, status, created_at)
                        values (?, ?, ?, 'aws', ?, ?, ?, ?::text[], 'unverified', ?)""")
                .params(id, tenant, name, roleArnCiphertext, roleArnHash, masked, "{" + String.join(",", regions) + "}", // validated region names
                        Timestamp.from(createdAt))
                .update();
    }

    /** Serialises this transaction with the tenant's other account changes (a transaction-level advisory lock). */
    void lockTenant(UUID tenant) {
        jdbc.sql("select pg_advisory_xact_lock(?)").param(tenant.getMostSignificantBits() ^ tenant.getLeastSignificantBits()).query().singleRow();
    }

    int count() {
        return jdbc.sql("select count(*) from cloud_accounts").query(Integer.class).single();
    }

    List<Account> list() {
        return jdbc.sql("select " + COLUMNS + " from cloud_accounts order by created_at, id").query(CloudAccountRows::account).list();
    }

    Optional<Account> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from cloud_accounts where id = ?").param(id).query(CloudAccountRows::account).optional();
    }

    Optional<byte[]> roleArnCiphertext(UUID id) {
        return jdbc.sql("select role_arn_ciphertext from cloud_accounts where id = ?").param(id).query(byte[].class).optional();
    }

    boolean delete(UUID id) {
        return jdbc.sql("delete from cloud_accounts where id = ?").param(id).update() == 1;
    }

    boolean recordVerification(UUID id, String status, String code, String message, Instant checkedAt, String roleSessionName) {
        return jdbc.sql("""
                        update cloud_accounts set status = ?, status_code = ?, status_message = ?, checked_at = ?, verify_role_session = ?
                        where id = ?""")
                .params(status, code, message, Timestamp.from(checkedAt), roleSessionName, id).update() == 1;
    }

    /**
     * Marks a sync as running as run {@code run}, unless one already is (one that started before
     * {@code staleBefore} is taken as dead with its node).
     */
    boolean startSync(UUID id, UUID run, Instant now, Instant staleBefore) {
        return jdbc.sql("""
                        update cloud_accounts set sync_status = 'running', sync_run_id = ?, sync_code = null, sync_message = null,
                                                  sync_started_at = ?, sync_finished_at = null, sync_role_session = null
                        where id = ? and (sync_status is distinct from 'running' or sync_started_at < ?)""")
                .params(run, Timestamp.from(now), id, Timestamp.from(staleBefore)).update() == 1;
    }

    /** Records how run {@code run} ended; false when the account is gone or another run took the sync over. */
    boolean finishSync(UUID id, UUID run, String status, String code, String message, String roleSessionName, Instant finishedAt) {
        return jdbc.sql("""
                        update cloud_accounts set sync_status = ?, sync_code = ?, sync_message = ?, sync_role_session = ?, sync_finished_at = ?
                        where id = ? and sync_status = 'running' and sync_run_id = ?""")
                .params(status, code, message, roleSessionName, Timestamp.from(finishedAt), id, run).update() == 1;
    }

    private static Account account(ResultSet rs, int row) throws SQLException {
        Array regions = rs.getArray("regions");
        return new Account(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("provider"), rs.getString("role_arn_masked"),
                Arrays.asList((String[]) regions.getArray()),
                new Verification(rs.getString("status"), rs.getString("status_code"), rs.getString("status_message"),
                        instant(rs, "checked_at"), rs.getString("verify_role_session")),
                new Sync(rs.getString("sync_status"), rs.getString("sync_code"), rs.getString("sync_message"), instant(rs, "sync_started_at"),
                        instant(rs, "sync_finished_at"), rs.getString("sync_role_session")),
                instant(rs, "created_at"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
