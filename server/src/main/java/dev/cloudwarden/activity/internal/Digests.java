package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Signed digests: every {@code cloudwarden.activity.digest-interval} (5 minutes by default) for each
 * chain with new events, and on demand (an export ends with one). A digest is made under the chain
 * head's row lock, so two nodes never sign the same range and no event slips in between.
 */
@Component
class Digests {

    private static final Logger log = LoggerFactory.getLogger(Digests.class);

    private final JdbcClient jdbc;
    private final Chain chain;
    private final ActivityKeys keys;
    private final TenantContext tenants;
    private final TransactionTemplate tx;

    Digests(JdbcClient jdbc, Chain chain, ActivityKeys keys, TenantContext tenants, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.chain = chain;
        this.keys = keys;
        this.tenants = tenants;
        this.tx = tx;
    }

    /**
     * Signs the events of the chain in scope that no digest covers yet, in the caller's transaction;
     * returns the seq the digests now reach (0 for a chain without events).
     */
    long digestNow() {
        UUID tenant = tenants.require();
        Chain.Head head = chain.lockHead(tenant);
        if (head.seq() == head.digestedSeq()) {
            return head.seq();
        }
        Optional<Digest> previous = latest(tenant);
        ActivityKeys.Signer signer = keys.currentSigner();
        // the database's clock, as the key's validity uses (read while the key is held, see ActivityKeys)
        Instant signedAt = jdbc.sql("select clock_timestamp()").query(OffsetDateTime.class).single().toInstant();
        Digest unsigned = new Digest(tenant.toString(), head.digestedSeq() + 1, head.seq(), HexFormat.of().formatHex(head.hash()),
                Canonical.time(signedAt), previous.map(Digest::signature).orElse(""), signer.keyId(), null);
        byte[] signature = signer.sign(Canonical.digest(unsigned));
        jdbc.sql("""
                        insert into activity_digests (tenant_id, first_seq, last_seq, last_hash, signed_at, previous_signature, key_id, signature)
                        values (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenant, unsigned.firstSeq(), unsigned.lastSeq(), head.hash(), Instant.parse(unsigned.signedAt()).atOffset(ZoneOffset.UTC),
                        previous.map(d -> Base64.getDecoder().decode(d.signature())).orElse(null), signer.keyId(), signature)
                .update();
        jdbc.sql("update activity_chain_heads set digested_seq = seq where tenant_id = ?").param(tenant).update();
        return head.seq();
    }

    Optional<Digest> latest(UUID tenant) {
        return jdbc.sql("select " + Chain.DIGEST_COLUMNS + " from activity_digests where tenant_id = ? order by last_seq desc limit 1")
                .param(tenant).query((rs, n) -> Chain.digest(rs)).optional();
    }

    /** The periodic digest of every chain with new events; each chain in its own scope and transaction. */
    @Scheduled(fixedDelayString = "${cloudwarden.activity.digest-interval:PT5M}", initialDelayString = "${cloudwarden.activity.digest-interval:PT5M}")
    void digestAll() {
        List<UUID> chains = tx.execute(s -> jdbc.sql("select * from activity_undigested_chains()").query(UUID.class).list());
        for (UUID id : chains) {
            try {
                tenants.runAs(id, () -> tx.execute(s -> digestNow()));
            } catch (RuntimeException e) {
                // one chain's failure (a KEK outage, say) must not stop the others; the next run retries it
                log.warn("Could not sign the activity digest of chain {}: {}", id, e.getClass().getSimpleName());
            }
        }
    }
}
