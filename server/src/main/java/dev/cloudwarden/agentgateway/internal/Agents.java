package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.AgentActor;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.tenancy.TenantContext;
import dev.cloudwarden.tenancy.TenantTerminated;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agents of the tenant in scope: enrolment tokens, enrolment, signed requests and revocation. A signed
 * request is checked in this order, each failure the same 401: its headers well formed and its timestamp
 * within {@link #SKEW} of this server's clock; then, in the key id's tenant's scope, the agent there and
 * active, the signature its own over the request ({@link AgentProtocol}), and the nonce new for it.
 */
@Service
class Agents {

    static final String TOKEN_PREFIX = "cwa_";
    static final Duration TOKEN_LIFETIME = Duration.ofHours(24);
    static final Duration SKEW = Duration.ofSeconds(AgentProtocol.MAX_SKEW_SECONDS);
    /** An agent not heard from for this long is shown as stale. */
    static final Duration STALE = Duration.ofMinutes(3);
    private static final String TOKEN_HASH = "agent-enrollment-token";
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,252})");
    private static final Pattern FACT_KEY = Pattern.compile("[a-zA-Z][a-zA-Z0-9_.-]{0,63}");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> FACTS = new TypeReference<>() { };

    /** A token's value is in this answer only. */
    record Issued(Secret token, Instant expiresAt) {
    }

    record Enrolled(UUID agentId, UUID tenantId) {
    }

    /** As the API shows an agent: {@code online}, {@code stale} (not heard from lately) or {@code revoked}. */
    record AgentView(UUID id, String hostname, Instant lastSeenAt, String status, Map<String, Object> facts, Instant enrolledAt) {
    }

    /** The agent a verified signed request comes from; the actor of what it does ({@link AgentActor}). */
    record Caller(UUID tenantId, UUID agentId) implements AgentActor {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final FieldCrypto crypto;
    private final ActivityLog activity;
    private final Clock clock;

    Agents(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, FieldCrypto crypto, ActivityLog activity, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.crypto = crypto;
        this.activity = activity;
        this.clock = clock;
    }

    Issued createToken(UUID userId) {
        UUID tenant = tenants.require();
        Secret token = TenantTokenFormat.mint(TOKEN_PREFIX, tenant);
        Instant now = clock.instant();
        Instant expires = now.plus(TOKEN_LIFETIME);
        UUID id = UUID.randomUUID();
        tx.executeWithoutResult(s -> {
            jdbc.sql("insert into agent_enrollment_tokens (id, tenant_id, token_hash, created_by, created_at, expires_at) values (?, ?, ?, ?, ?, ?)")
                    .params(id, tenant, hash(tenant, token), userId, Timestamp.from(now), Timestamp.from(expires)).update();
            activity.record(Action.AGENT_ENROLLMENT_TOKEN_CREATED, new Target("agent_enrollment_token", id.toString()),
                    Map.of("expires_at", expires.toString()));
        });
        return new Issued(token, expires);
    }

    List<AgentView> list() {
        Instant now = clock.instant();
        return tx.execute(s -> jdbc.sql("""
                        select id, hostname, last_seen_at, status, facts::text, enrolled_at from agents order by enrolled_at desc, id limit 500""")
                .query((rs, n) -> view(rs, now)).list());
    }

    /** Revokes an agent of the tenant in scope: its next request is refused. Another tenant's or none: 404. */
    void revoke(UUID agentId) {
        tx.executeWithoutResult(s -> {
            String status = jdbc.sql("select status from agents where id = ? for update").param(agentId).query(String.class).optional()
                    .orElseThrow(ApiProblem::notFound);
            if (status.equals("ACTIVE")) {
                jdbc.sql("update agents set status = 'REVOKED', revoked_at = ?, revoked_reason = 'revoked' where id = ?")
                        .params(Timestamp.from(clock.instant()), agentId).update();
                activity.record(Action.AGENT_REVOKED, agent(agentId), Map.of("reason", "revoked"));
            }
        });
    }

    /** A terminated tenant's agents are revoked with it, in its transaction; renewal does not bring them back. */
    @EventListener
    void on(TenantTerminated event) {
        List<UUID> active = jdbc.sql("update agents set status = 'REVOKED', revoked_at = ?, revoked_reason = 'subscription_ended' "
                + "where status = 'ACTIVE' returning id").param(Timestamp.from(clock.instant())).query(UUID.class).list();
        active.forEach(id -> activity.record(Action.AGENT_REVOKED, agent(id), Map.of("reason", "subscription_ended")));
    }

    /** Registers a new agent with its own public key; the token is used up. Every bad token: the same 400. */
    Enrolled enroll(Secret token, String publicKey, String hostname, Map<String, Object> facts) {
        UUID tenant = TenantTokenFormat.tenantOf(TOKEN_PREFIX, token == null ? Secret.of("") : token).orElseThrow(Agents::invalidToken);
        byte[] key = publicKey(publicKey);
        String host = hostname(hostname);
        String factsJson = facts(facts);
        UUID agentId = UUID.randomUUID();
        Instant now = clock.instant();
        return tenants.callAs(tenant, () -> {
            try {
                return tx.execute(s -> {
                    UUID tokenId = jdbc.sql("""
                                    select t.id from agent_enrollment_tokens t join tenants x on x.id = t.tenant_id
                                    where t.token_hash = ? and t.used_at is null and t.expires_at > ? and x.status = 'ACTIVE'
                                    for update of t""")
                            .params(hash(tenant, token), Timestamp.from(now)).query(UUID.class).optional().orElseThrow(Agents::invalidToken);
                    jdbc.sql("insert into agents (id, tenant_id, hostname, public_key, facts, enrolled_at) values (?, ?, ?, ?, ?::jsonb, ?)")
                            .params(agentId, tenant, host, key, factsJson, Timestamp.from(now)).update();
                    jdbc.sql("update agent_enrollment_tokens set used_at = ?, agent_id = ? where id = ?")
                            .params(Timestamp.from(now), agentId, tokenId).update();
                    activity.record(Action.AGENT_ENROLLED, agent(agentId), Map.of("token", tokenId.toString()));
                    return new Enrolled(agentId, tenant);
                });
            } catch (DuplicateKeyException e) {
                throw invalidToken();
            }
        });
    }

    /**
     * The agent that signed this request, or empty for anything wrong with it. Runs in the key id's tenant's
     * scope; records the nonce, so the same request is refused the next time.
     */
    Optional<Caller> verify(String method, String pathAndQuery, String keyId, String timestamp, String nonce, String signature, byte[] body) {
        Optional<AgentProtocol.SignedHeaders> parsed = AgentProtocol.parse(keyId, timestamp, nonce, signature);
        Instant now = clock.instant();
        if (parsed.isEmpty() || Math.abs(now.getEpochSecond() - parsed.get().timestamp()) > SKEW.toSeconds()) {
            return Optional.empty();
        }
        AgentProtocol.SignedHeaders headers = parsed.get();
        Caller caller = new Caller(headers.tenantId(), headers.agentId());
        byte[] base = AgentProtocol.base(method, pathAndQuery, headers.timestamp(), headers.nonce(), body, headers.keyId());
        return tenants.callAs(caller.tenantId(), () -> tx.execute(s -> {
            Optional<byte[]> key = jdbc.sql("select public_key from agents where id = ? and status = 'ACTIVE'").param(caller.agentId())
                    .query((rs, n) -> rs.getBytes(1)).optional();
            if (key.isEmpty() || !AgentProtocol.verifies(key.get(), headers.signature(), base)) {
                return Optional.<Caller>empty();
            }
            jdbc.sql("delete from agent_nonces where agent_id = ? and seen_at < ?")
                    .params(caller.agentId(), Timestamp.from(now.minus(SKEW.multipliedBy(2)))).update();
            int fresh = jdbc.sql("insert into agent_nonces (tenant_id, agent_id, nonce, seen_at) values (?, ?, ?, ?) on conflict do nothing")
                    .params(caller.tenantId(), caller.agentId(), headers.nonce(), Timestamp.from(now)).update();
            return fresh == 1 ? Optional.of(caller) : Optional.<Caller>empty();
        }));
    }

    /** A verified agent's heartbeat: last seen now, with the host facts it reports. */
    void heartbeat(Caller caller, Map<String, Object> facts) {
        String factsJson = facts(facts);
        tenants.runAs(caller.tenantId(), () -> tx.executeWithoutResult(s -> jdbc
                .sql("update agents set last_seen_at = ?, facts = ?::jsonb where id = ? and status = 'ACTIVE'")
                .params(Timestamp.from(clock.instant()), factsJson, caller.agentId()).update()));
    }

    private static AgentView view(ResultSet rs, Instant now) throws SQLException {
        Timestamp seen = rs.getTimestamp("last_seen_at");
        String status = rs.getString("status").equals("REVOKED") ? "revoked"
                : seen != null && seen.toInstant().isAfter(now.minus(STALE)) ? "online" : "stale";
        return new AgentView(rs.getObject("id", UUID.class), rs.getString("hostname"), seen == null ? null : seen.toInstant(), status,
                JSON.readValue(rs.getString("facts"), FACTS), rs.getTimestamp("enrolled_at").toInstant());
    }

    private byte[] hash(UUID tenant, Secret token) {
        return crypto.keyedHash(tenant, TOKEN_HASH, token.reveal().getBytes(StandardCharsets.UTF_8));
    }

    private static Target agent(UUID id) {
        return new Target("agent", id.toString());
    }

    static ApiProblem invalidToken() {
        return ApiProblem.invalid("token", "is invalid, expired or already used; ask an administrator for a new enrolment token");
    }

    private static byte[] publicKey(String value) {
        try {
            byte[] key = Base64.getDecoder().decode(value == null ? "" : value);
            if (key.length == 32) {
                return key;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiProblem.invalid("publicKey", "must be the agent's Ed25519 public key: 32 bytes, base64");
    }

    private static String hostname(String value) {
        if (value == null || !HOSTNAME.matcher(value).matches()) {
            throw ApiProblem.invalid("hostname", "must be a host name of 1 to 253 letters, digits, dots, dashes or underscores");
        }
        return value;
    }

    /** At most 50 facts, each a short name and a short text, number or true/false (no nesting): stored as given. */
    static String facts(Map<String, Object> facts) {
        Map<String, Object> clean = new LinkedHashMap<>();
        if (facts != null) {
            if (facts.size() > 50) {
                throw ApiProblem.invalid("facts", "must hold at most 50 entries");
            }
            for (Map.Entry<String, Object> e : facts.entrySet()) {
                Object v = e.getValue();
                boolean simple = v instanceof Number || v instanceof Boolean || (v instanceof String text && text.length() <= 500);
                if (!FACT_KEY.matcher(e.getKey()).matches() || !simple) {
                    throw ApiProblem.invalid("facts", "each must be a short name with a text of at most 500 characters, a number or true/false");
                }
                clean.put(e.getKey(), v);
            }
        }
        return JSON.writeValueAsString(clean);
    }
}
