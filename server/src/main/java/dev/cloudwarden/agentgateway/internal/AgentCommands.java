package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.agent.AgentCommand;
import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.CommandKeys;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Commands to the tenant's agents: issued by an administrator, signed here with the platform's command key
 * ({@link CommandKeys}) over the bytes the agent will get, handed to their agent when it polls and closed by
 * its signed report. A command reaches only the agent it names, and only that agent can report on it.
 */
@Service
class AgentCommands {

    /** How long a command may wait for its agent: a few heartbeats. */
    static final Duration LIFETIME = Duration.ofMinutes(15);
    /** Commands an agent may have waiting, so a loop cannot pile them up. */
    static final int MAX_WAITING = 20;
    /** What an agent may report, and the status each becomes. */
    private static final Map<String, String> OUTCOMES = Map.of("succeeded", "SUCCEEDED", "failed", "FAILED", "refused", "REFUSED");

    /** A command as the API shows it: {@code pending}, {@code delivered}, {@code succeeded}, {@code failed}, {@code refused} or {@code expired}. */
    record CommandView(UUID id, String type, Integer intervalSeconds, String status, Instant createdAt, Instant expiresAt, Instant completedAt,
                       String message) {
    }

    /**
     * What an agent receives: the command's id (to report on it even when it refuses the command), the signed
     * bytes and the signature, both base64.
     */
    record Envelope(UUID id, String payload, String signature) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final CommandKeys keys;
    private final ActivityLog activity;
    private final Clock clock;

    AgentCommands(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, CommandKeys keys, ActivityLog activity, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.keys = keys;
        this.activity = activity;
        this.clock = clock;
    }

    /** Issues a command to an active agent of the tenant in scope. Another tenant's agent or none: 404. */
    CommandView issue(UUID agentId, UUID userId, String type, Integer intervalSeconds) {
        if (type == null || !AgentCommand.TYPES.contains(type)) {
            throw ApiProblem.invalid("type", "must be one of collect_facts, update_interval, rotate_key");
        }
        if (type.equals(AgentCommand.UPDATE_INTERVAL) != (intervalSeconds != null) || (intervalSeconds != null
                && (intervalSeconds < AgentCommand.MIN_INTERVAL_SECONDS || intervalSeconds > AgentCommand.MAX_INTERVAL_SECONDS))) {
            throw ApiProblem.invalid("intervalSeconds", "is required for update_interval only: the heartbeat interval in seconds, from "
                    + AgentCommand.MIN_INTERVAL_SECONDS + " to " + AgentCommand.MAX_INTERVAL_SECONDS);
        }
        UUID tenant = tenants.require();
        Instant now = clock.instant();
        Instant expires = now.plus(LIFETIME);
        AgentCommand command = new AgentCommand(UUID.randomUUID(), tenant, agentId, type, intervalSeconds, now.getEpochSecond(),
                expires.getEpochSecond());
        byte[] payload = command.encode();
        CommandKeys.Signature signature = keys.sign(AgentProtocol.commandBase(payload));
        return tx.execute(s -> {
            String status = jdbc.sql("select status from agents where id = ? for update").param(agentId).query(String.class).optional()
                    .orElseThrow(ApiProblem::notFound);
            if (!status.equals("ACTIVE")) {
                throw ApiProblem.conflict("agent_revoked", "This agent is revoked; it takes no commands. Enrol the host again.");
            }
            int waiting = jdbc.sql("select count(*) from agent_commands where agent_id = ? and status in ('PENDING', 'DELIVERED') and expires_at > ?")
                    .params(agentId, Timestamp.from(now)).query(Integer.class).single();
            if (waiting >= MAX_WAITING) {
                throw ApiProblem.conflict("too_many_commands", "This agent has " + MAX_WAITING + " commands waiting; let it catch up first.");
            }
            jdbc.sql("""
                            insert into agent_commands (id, tenant_id, agent_id, type, payload, signature, key_id, created_by, created_at, expires_at)
                            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(command.id(), tenant, agentId, type, payload, signature.value(), signature.keyId(), userId, Timestamp.from(now),
                            Timestamp.from(expires)).update();
            activity.record(Action.AGENT_COMMAND_ISSUED, target(command.id()),
                    Map.of("agent", agentId.toString(), "type", type, "expires_at", expires.toString()));
            return new CommandView(command.id(), type, intervalSeconds, "pending", now, expires, null, null);
        });
    }

    /** The latest commands of an agent of the tenant in scope, newest first. */
    List<CommandView> list(UUID agentId) {
        Instant now = clock.instant();
        return tx.execute(s -> {
            jdbc.sql("select 1 from agents where id = ?").param(agentId).query(Integer.class).optional().orElseThrow(ApiProblem::notFound);
            return jdbc.sql("""
                            select id, type, payload, status, created_at, expires_at, completed_at, message from agent_commands
                            where agent_id = ? order by created_at desc, id limit 100""")
                    .param(agentId).query((rs, n) -> view(rs, now)).list();
        });
    }

    /**
     * The commands waiting for this agent (its own only), oldest first, marked delivered. A delivered one goes
     * again at the next poll until it is reported or expires (the agent carries out each once), so none is lost
     * to an agent that stopped between poll and report.
     */
    List<Envelope> deliver(Agents.Caller caller) {
        Instant now = clock.instant();
        Base64.Encoder base64 = Base64.getEncoder();
        return tenants.callAs(caller.tenantId(), () -> tx.execute(s -> {
            List<Envelope> waiting = jdbc.sql("""
                            select id, payload, signature from agent_commands
                            where agent_id = ? and status in ('PENDING', 'DELIVERED') and expires_at > ? order by created_at, id limit ?""")
                    .params(caller.agentId(), Timestamp.from(now), MAX_WAITING)
                    .query((rs, n) -> new Envelope(rs.getObject(1, UUID.class), base64.encodeToString(rs.getBytes(2)),
                            base64.encodeToString(rs.getBytes(3)))).list();
            jdbc.sql("update agent_commands set status = 'DELIVERED', delivered_at = ? where agent_id = ? and status = 'PENDING' and expires_at > ?")
                    .params(Timestamp.from(now), caller.agentId(), Timestamp.from(now)).update();
            return waiting;
        }));
    }

    /**
     * The agent's report on a command it received: {@code succeeded}, {@code failed}, or {@code refused} by its
     * own checks. Only its own delivered commands, until a skew window after their expiry: anything else is 404.
     * A successful key rotation carries the new public key and its proof (the new key's signature over
     * {@link AgentProtocol#rotationBase}); the request itself was signed with the old key, so the agent held
     * both, and the new key replaces the old one in the same transaction.
     */
    void complete(Agents.Caller caller, UUID commandId, String outcome, String message, String newPublicKey, String proof) {
        if (!OUTCOMES.containsKey(outcome == null ? "" : outcome)) {
            throw ApiProblem.invalid("outcome", "must be succeeded, failed or refused");
        }
        if (message != null && (message.length() > 500 || message.chars().anyMatch(Character::isISOControl))) {
            throw ApiProblem.invalid("message", "must be one line of at most 500 characters");
        }
        Instant now = clock.instant();
        tenants.runAs(caller.tenantId(), () -> tx.executeWithoutResult(s -> {
            String type = jdbc.sql("""
                            select type from agent_commands where id = ? and agent_id = ? and status = 'DELIVERED' and expires_at > ?
                            for update""")
                    .params(commandId, caller.agentId(), Timestamp.from(now.minus(Agents.SKEW))).query(String.class).optional()
                    .orElseThrow(ApiProblem::notFound);
            if (type.equals(AgentCommand.ROTATE_KEY) && outcome.equals("succeeded")) {
                rotate(caller, commandId, newPublicKey, proof);
            }
            jdbc.sql("update agent_commands set status = ?, completed_at = ?, message = ? where id = ?")
                    .params(OUTCOMES.get(outcome), Timestamp.from(now), message, commandId).update();
            activity.record(Action.AGENT_COMMAND_COMPLETED, target(commandId),
                    Map.of("agent", caller.agentId().toString(), "type", type, "outcome", outcome));
        }));
    }

    private void rotate(Agents.Caller caller, UUID commandId, String newPublicKey, String proof) {
        byte[] key;
        byte[] signature;
        try {
            key = Base64.getDecoder().decode(newPublicKey == null ? "" : newPublicKey);
            signature = Base64.getDecoder().decode(proof == null ? "" : proof);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("publicKey", "must be the new Ed25519 public key (32 bytes, base64) with its proof");
        }
        if (!AgentProtocol.verifies(key, signature, AgentProtocol.rotationBase(commandId, key))) {
            throw ApiProblem.invalid("proof", "must be the new key's signature over the rotation of this command");
        }
        byte[] old = jdbc.sql("select public_key from agents where id = ? and status = 'ACTIVE' for update").param(caller.agentId())
                .query((rs, n) -> rs.getBytes(1)).optional().orElseThrow(ApiProblem::notFound);
        if (Arrays.equals(old, key)) {
            throw ApiProblem.invalid("publicKey", "must be a new key");
        }
        jdbc.sql("update agents set public_key = ? where id = ?").params(key, caller.agentId()).update();
        activity.record(Action.AGENT_KEY_ROTATED, new Target("agent", caller.agentId().toString()), Map.of("command", commandId.toString()));
    }

    private static CommandView view(ResultSet rs, Instant now) throws SQLException {
        String status = rs.getString("status").toLowerCase(java.util.Locale.ROOT);
        Instant expires = rs.getTimestamp("expires_at").toInstant();
        if ((status.equals("pending") || status.equals("delivered")) && !expires.isAfter(now)) {
            status = "expired";
        }
        Timestamp completed = rs.getTimestamp("completed_at");
        return new CommandView(rs.getObject("id", UUID.class), rs.getString("type"), AgentCommand.decode(rs.getBytes("payload")).intervalSeconds(),
                status, rs.getTimestamp("created_at").toInstant(), expires, completed == null ? null : completed.toInstant(), rs.getString("message"));
    }

    private static Target target(UUID commandId) {
        return new Target("agent_command", commandId.toString());
    }
}
