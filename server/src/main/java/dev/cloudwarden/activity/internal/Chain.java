package dev.cloudwarden.activity.internal;

import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.Event;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.TreeMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The storage of the chains: appending under the chain head's row lock (one tenant's appends
 * serialise, no other tenant waits; a rolled-back append frees its seq again, so there are no
 * gaps), and the one mapping from rows to {@link Event}s and {@link Digest}s. Runs in the caller's
 * transaction, under the tenant the transaction was opened for.
 */
@Component
class Chain {

    static final String EVENT_COLUMNS = """
            tenant_id, seq, occurred_at, action, actor_type, actor_id, target_type, target_id, source_ip, user_agent,
            details::text, prev_hash, hash""";
    static final String DIGEST_COLUMNS = "tenant_id, first_seq, last_seq, last_hash, signed_at, previous_signature, key_id, signature";

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, String>> DETAILS = new TypeReference<>() { };
    private static final HexFormat HEX = HexFormat.of();

    /** A chain's head: its last seq and hash, and how far its digests reach. */
    record Head(long seq, byte[] hash, long digestedSeq) {
    }

    private final JdbcClient jdbc;

    Chain(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Locks the chain's head for the rest of the transaction, creating it for a chain's first event. */
    Head lockHead(UUID chain) {
        Optional<Head> head = readHeadForUpdate(chain);
        if (head.isPresent()) {
            return head.get();
        }
        jdbc.sql("insert into activity_chain_heads (tenant_id) values (?) on conflict (tenant_id) do nothing").param(chain).update();
        return readHeadForUpdate(chain).orElseThrow(() -> new IllegalStateException("the chain head of the tenant in scope is not visible"));
    }

    private Optional<Head> readHeadForUpdate(UUID chain) {
        return jdbc.sql("select seq, hash, digested_seq from activity_chain_heads where tenant_id = ? for update")
                .param(chain).query((rs, n) -> new Head(rs.getLong(1), rs.getBytes(2), rs.getLong(3))).optional();
    }

    /** Appends an event (without seq, links or hash: they are made here) and returns it as stored. */
    Event append(UUID chain, Instant occurredAt, Event unlinked) {
        Head head = lockHead(chain);
        Event e = new Event(chain.toString(), head.seq() + 1, Canonical.time(occurredAt), unlinked.action(), unlinked.actorType(),
                unlinked.actorId(), unlinked.targetType(), unlinked.targetId(), unlinked.sourceIp(), unlinked.userAgent(),
                unlinked.details(), null, null).linkedTo(HEX.formatHex(head.hash()));
        byte[] hash = HEX.parseHex(e.hash());
        int updated = jdbc.sql("""
                        with e as (
                            insert into activity_events (tenant_id, seq, occurred_at, action, actor_type, actor_id, target_type, target_id,
                                                         source_ip, user_agent, details, prev_hash, hash)
                            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)
                            returning tenant_id, seq, hash)
                        update activity_chain_heads h set seq = e.seq, hash = e.hash from e where h.tenant_id = e.tenant_id""")
                .params(chain, e.seq(), Instant.parse(e.occurredAt()).atOffset(ZoneOffset.UTC), e.action(), e.actorType(),
                        e.actorId() == null ? null : UUID.fromString(e.actorId()), e.targetType(), e.targetId(), e.sourceIp(), e.userAgent(),
                        JSON.writeValueAsString(new TreeMap<>(e.details())), head.hash(), hash)
                .update();
        if (updated != 1) {
            throw new IllegalStateException("the activity chain head did not move");
        }
        return e;
    }

    static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getString(1), rs.getLong(2), Canonical.time(rs.getObject(3, OffsetDateTime.class).toInstant()), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                JSON.readValue(rs.getString(11), DETAILS), HEX.formatHex(rs.getBytes(12)), HEX.formatHex(rs.getBytes(13)));
    }

    static Digest digest(ResultSet rs) throws SQLException {
        byte[] previous = rs.getBytes(6);
        return new Digest(rs.getString(1), rs.getLong(2), rs.getLong(3), HEX.formatHex(rs.getBytes(4)),
                Canonical.time(rs.getObject(5, OffsetDateTime.class).toInstant()), previous == null ? "" : Base64.getEncoder().encodeToString(previous),
                rs.getString(7), Base64.getEncoder().encodeToString(rs.getBytes(8)));
    }
}
