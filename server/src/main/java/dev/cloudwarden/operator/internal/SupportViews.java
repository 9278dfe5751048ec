package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.operator.AccessScope;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an operator reads of a tenant under a grant, one view per scope: explicit columns, newest first,
 * at most {@link #LIMIT} rows. Only columns stored in the clear: nothing here can decrypt (a cloud
 * account's role ARN is shown as stored, masked), and a source address or browser of an event is left
 * out. Runs inside the grant gate's read-only scope of the tenant: row-level security shows that tenant
 * only, and PostgreSQL refuses any write.
 */
@Component
class SupportViews {

    static final int LIMIT = 200;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, String>> DETAILS = new TypeReference<>() { };

    /** A table for people and machines alike: column names and rows of clear values. */
    record View(AccessScope scope, List<String> columns, List<Map<String, Object>> rows) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final AccessRequests requests;

    SupportViews(JdbcClient jdbc, TransactionTemplate tx, AccessRequests requests) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.requests = requests;
    }

    /** The view of a scope, under the grant the gate checked, which is checked again in the reading transaction. */
    View read(AccessScope scope, UUID grant) {
        return tx.execute(s -> {
            if (!requests.stillActive(grant)) {
                throw ApiProblem.notFound(); // revoked, expired or the tenant terminated since the gate's check
            }
            return read(scope);
        });
    }

    private View read(AccessScope scope) {
        return switch (scope) {
            case USERS -> view(scope, "select id, email, role, status, mfa_enabled, created_at from users order by created_at desc, id limit ?",
                    List.of("id", "email", "role", "status", "mfaEnabled", "createdAt"),
                    rs -> row("id", rs.getObject(1, UUID.class), "email", rs.getString(2), "role", rs.getString(3), "status", rs.getString(4),
                            "mfaEnabled", rs.getBoolean(5), "createdAt", instant(rs.getTimestamp(6))));
            case CLOUD_ACCOUNTS -> view(scope, """
                            select id, name, provider, role_arn_masked, regions, status, status_code, sync_status, sync_finished_at, created_at
                            from cloud_accounts order by created_at desc, id limit ?""",
                    List.of("id", "name", "provider", "roleArnMasked", "regions", "status", "statusCode", "syncStatus", "lastSyncAt", "createdAt"),
                    rs -> row("id", rs.getObject(1, UUID.class), "name", rs.getString(2), "provider", rs.getString(3),
                            "roleArnMasked", rs.getString(4), "regions", Arrays.asList((String[]) rs.getArray(5).getArray()),
                            "status", rs.getString(6), "statusCode", rs.getString(7), "syncStatus", rs.getString(8),
                            "lastSyncAt", instant(rs.getTimestamp(9)), "createdAt", instant(rs.getTimestamp(10))));
            case JOBS -> view(scope, """
                            select id, name, type, account_id, schedule, timezone, paused, created_at
                            from jobs order by created_at desc, id limit ?""",
                    List.of("id", "name", "type", "cloudAccountId", "schedule", "timezone", "paused", "createdAt"),
                    rs -> row("id", rs.getObject(1, UUID.class), "name", rs.getString(2), "type", rs.getString(3),
                            "cloudAccountId", rs.getObject(4, UUID.class), "schedule", rs.getString(5), "timezone", rs.getString(6),
                            "paused", rs.getBoolean(7), "createdAt", instant(rs.getTimestamp(8))));
            case ACTIVITY -> view(scope, """
                            select seq, occurred_at, action, actor_type, actor_id, target_type, target_id, details::text
                            from activity_events order by seq desc limit ?""",
                    List.of("seq", "occurredAt", "action", "actorType", "actorId", "targetType", "targetId", "details"),
                    rs -> row("seq", rs.getLong(1), "occurredAt", instant(rs.getTimestamp(2)), "action", rs.getString(3),
                            "actorType", rs.getString(4), "actorId", rs.getObject(5, UUID.class), "targetType", rs.getString(6),
                            "targetId", rs.getString(7), "details", JSON.readValue(rs.getString(8), DETAILS)));
        };
    }

    @FunctionalInterface
    private interface RowReader {
        Map<String, Object> read(ResultSet rs) throws SQLException;
    }

    private View view(AccessScope scope, String sql, List<String> columns, RowReader reader) {
        List<Map<String, Object>> rows = jdbc.sql(sql).param(LIMIT).query((rs, n) -> reader.read(rs)).list();
        return new View(scope, columns, rows);
    }

    private static Map<String, Object> row(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], pairs[i + 1]);
        }
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
