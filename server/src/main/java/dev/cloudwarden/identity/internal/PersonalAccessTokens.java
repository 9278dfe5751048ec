package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.identity.TokenScope;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Personal access tokens: {@code cwpat_} + base64url(tenant id ‖ 32 random bytes), like session
 * tokens, so the lookup runs inside the token's tenant under row-level security and a forged tenant
 * part finds nothing. Only the tenant's keyed hash (HMAC-SHA256, purpose "personal-access-token")
 * and the last four characters (a hint for recognising a token in a list) are stored. A token
 * works only while it is unrevoked, unexpired, and its user and tenant are active.
 */
@Component
public class PersonalAccessTokens {

    static final String PREFIX = "cwpat_";
    private static final int HINT_LENGTH = 4;

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final TenantKeyring keyring;

    PersonalAccessTokens(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, TenantKeyring keyring) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.keyring = keyring;
    }

    /** A token as its owner sees it in a list: never the token, never its hash. */
    record Row(UUID id, String name, List<String> scopes, String hint, Instant createdAt, Instant expiresAt, Instant lastUsedAt) {
    }

    record Issued(Row token, Secret value) {
    }

    /** Issues a token for a user of the tenant in scope. Inputs are validated by the caller. */
    Issued issue(UUID userId, String name, Set<TokenScope> scopes, Instant createdAt, Instant expiresAt) {
        UUID tenant = tenants.require();
        String value = TenantTokenFormat.mint(PREFIX, tenant).reveal();
        String hint = PREFIX + "…" + value.substring(value.length() - HINT_LENGTH);
        UUID id = UUID.randomUUID();
        List<String> scopeNames = names(scopes);
        jdbc.sql("""
                        insert into personal_access_tokens
                            (id, tenant_id, user_id, name, scopes, token_hash, token_hint, created_at, expires_at)
                        values (?, ?, ?, ?, ?::text[], ?, ?, ?, ?)""")
                .params(id, tenant, userId, name, "{" + String.join(",", scopeNames) + "}", // our own fixed names, nothing to quote
                        hash(tenant, Secret.of(value)), hint, Timestamp.from(createdAt), Timestamp.from(expiresAt))
                .update();
        return new Issued(new Row(id, name, scopeNames, hint, createdAt, expiresAt, null), Secret.of(value));
    }

    /** The authentication a live token stands for; empty for a malformed, unknown, expired or revoked token. */
    Optional<PersonalAccessTokenAuthentication> resolve(Secret token) {
        Optional<UUID> tenant = TenantTokenFormat.tenantOf(PREFIX, token);
        if (tenant.isEmpty() || keyring.find(tenant.get()).isEmpty()) {
            return Optional.empty();
        }
        return tenants.callAs(tenant.get(), () -> tx.execute(s -> {
            Optional<PersonalAccessTokenAuthentication> found = jdbc.sql("select p.id as token_id, p.scopes, "
                            + UserRepository.ACTIVE_COLUMNS + """
                             from personal_access_tokens p
                            join active_users u on u.id = p.user_id
                            where p.token_hash = ? and p.revoked_at is null and p.expires_at > now()""")
                    .param(hash(tenant.get(), token))
                    .query((rs, n) -> new PersonalAccessTokenAuthentication(UserRepository.activePrincipal(rs, null),
                            rs.getObject("token_id", UUID.class), scopes(rs)))
                    .optional();
            // last use, to the minute: at most one write per token and minute
            found.ifPresent(a -> jdbc.sql("""
                            update personal_access_tokens set last_used_at = now()
                            where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')""")
                    .param(a.tokenId()).update());
            return found;
        }));
    }

    /** The live tokens of a user of the tenant in scope. */
    List<Row> listOf(UUID userId) {
        return jdbc.sql("""
                        select id, name, scopes, token_hint, created_at, expires_at, last_used_at from personal_access_tokens
                        where user_id = ? and revoked_at is null and expires_at > now()
                        order by created_at, id""")
                .param(userId)
                .query((rs, n) -> new Row(rs.getObject("id", UUID.class), rs.getString("name"), names(scopes(rs)),
                        rs.getString("token_hint"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("expires_at").toInstant(),
                        rs.getTimestamp("last_used_at") == null ? null : rs.getTimestamp("last_used_at").toInstant()))
                .list();
    }

    long countLive(UUID userId) {
        return jdbc.sql("select count(*) from personal_access_tokens where user_id = ? and revoked_at is null and expires_at > now()")
                .param(userId).query(Long.class).single();
    }

    /** Revokes one live token of a user of the tenant in scope; false when they have no such token. */
    boolean revoke(UUID userId, UUID tokenId) {
        return jdbc.sql("""
                        update personal_access_tokens set revoked_at = now()
                        where id = ? and user_id = ? and revoked_at is null and expires_at > now()""")
                .params(tokenId, userId).update() > 0;
    }

    /** Revokes every token of a user of the tenant in scope; returns the ones that were live (not expired), which this ended. */
    List<UUID> revokeAllOf(UUID userId) {
        return jdbc.sql("""
                        with ended as (
                            update personal_access_tokens set revoked_at = now() where user_id = ? and revoked_at is null
                            returning id, expires_at)
                        select id from ended where expires_at > now()""")
                .param(userId).query(UUID.class).list();
    }

    static boolean looksLikeToken(String value) {
        return value.startsWith(PREFIX);
    }

    private static Set<TokenScope> scopes(ResultSet rs) throws SQLException {
        Array array = rs.getArray("scopes");
        Set<TokenScope> scopes = EnumSet.noneOf(TokenScope.class);
        for (Object name : (Object[]) array.getArray()) {
            TokenScope.of((String) name).ifPresent(scopes::add);
        }
        return scopes;
    }

    private static List<String> names(Set<TokenScope> scopes) {
        return Arrays.stream(TokenScope.values()).filter(scopes::contains).map(TokenScope::value).toList();
    }

    private byte[] hash(UUID tenant, Secret token) {
        return keyring.keys(tenant).keyedHash("personal-access-token", token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
