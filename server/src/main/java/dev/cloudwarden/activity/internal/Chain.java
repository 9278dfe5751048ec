package dev.cloudwarden.activity.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
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
    /** The head each chain had after this node's last committed append to it: a guess, checked by the database. */
    private final Cache<UUID, Head> lastCommitted = Caffeine.newBuilder().maximumSize(100_000).build();
    /** Chains whose guess missed lately (several writers at once): they take the lock first. */
    private final Cache<UUID, Boolean> contended = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(java.time.Duration.ofSeconds(1)).build();

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

    /**
     * Appends an event (without seq, links or hash: they are made here) and returns it as stored.
     * First optimistically, in one statement, on the head this node last committed for the chain:
     * the head moves only if it is still there (a compare-and-set that waits for, then re-reads, a
     * concurrent append's row). When another node or thread moved it, the head is locked and read,
     * and the same statement appends on it; such a chain takes the lock first for a second.
     */
    Event append(UUID chain, Instant occurredAt, Event unlinked) {
        Head known = lastCommitted.getIfPresent(chain);
        if (known != null && contended.getIfPresent(chain) == null) {
            Event e = link(chain, known, occurredAt, unlinked);
            if (appendOn(chain, known, e)) {
                return e;
            }
            contended.put(chain, Boolean.TRUE); // others append to it too: lock first for a while, a miss costs a round trip
        }
        Head head = lockHead(chain);
        Event e = link(chain, head, occurredAt, unlinked);
        if (!appendOn(chain, head, e)) {
            throw new IllegalStateException("the activity chain head did not move");
        }
        return e;
    }

    private static Event link(UUID chain, Head head, Instant occurredAt, Event unlinked) {
        return new Event(chain.toString(), head.seq() + 1, Canonical.time(occurredAt), unlinked.action(), unlinked.actorType(),
                unlinked.actorId(), unlinked.targetType(), unlinked.targetId(), unlinked.sourceIp(), unlinked.userAgent(),
                unlinked.details(), null, null).linkedTo(HEX.formatHex(head.hash()));
    }

    /** Moves the head from {@code head} to {@code e} and inserts {@code e}, in one statement; false if the head is elsewhere. */
    private boolean appendOn(UUID chain, Head head, Event e) {
        byte[] hash = HEX.parseHex(e.hash());
        int inserted = jdbc.sql("""
                        with h as (
                            update activity_chain_heads set seq = ?, hash = ?
                            where tenant_id = ? and seq = ? and hash = ?
                            returning tenant_id)
                        insert into activity_events (tenant_id, seq, occurred_at, action, actor_type, actor_id, target_type, target_id,
                                                     source_ip, user_agent, details, prev_hash, hash)
                        select h.tenant_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ? from h""")
                .params(e.seq(), hash, chain, head.seq(), head.hash(),
                        e.seq(), Instant.parse(e.occurredAt()).atOffset(ZoneOffset.UTC), e.action(), e.actorType(),
                        e.actorId() == null ? null : UUID.fromString(e.actorId()), e.targetType(), e.targetId(), e.sourceIp(), e.userAgent(),
                        JSON.writeValueAsString(new TreeMap<>(e.details())), head.hash(), hash)
                .update();
        if (inserted != 1) {
            return false;
        }
        Head moved = new Head(e.seq(), hash, 0);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                lastCommitted.put(chain, moved);
            }
        });
        return true;
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
