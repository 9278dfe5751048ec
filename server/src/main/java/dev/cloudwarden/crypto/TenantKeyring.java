package dev.cloudwarden.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tenant keysets: generated at sign-up, stored only wrapped by the KEK (bound to environment,
 * tenant and purpose through associated data), unwrapped on demand and cached in memory with a
 * size bound and an idle expiry. Nothing here writes an unwrapped key anywhere.
 *
 * <p>Several nodes cache the same keysets, and any of them may rotate one. Each row carries an
 * epoch that the database bumps on every change; a node trusts a cached keyset for at most
 * {@code cloudwarden.crypto.cache.epoch-check}, then re-reads the epoch (one indexed read, by one
 * caller per tenant and interval) and reloads the keyset if it moved. Encrypting therefore costs no
 * database round trip, and a rotation elsewhere is seen within that interval (docs/keys.md).
 */
@Component
public class TenantKeyring {

    /** A cached keyset, the epoch it was read at, and when (System.nanoTime) that epoch was last confirmed. */
    private static final class Entry {
        final TenantKeys keys;
        final long epoch;
        final AtomicLong confirmedAt;

        Entry(TenantKeys keys, long epoch, long confirmedAt) {
            this.keys = keys;
            this.epoch = epoch;
            this.confirmedAt = new AtomicLong(confirmedAt);
        }
    }

    /** A keyset row read under its row lock, with the age of its last data-key rotation (null if never rotated). */
    private record Locked(TenantKeys keys, Duration sinceDataKeyRotation) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final KeyEncryptionKey kek;
    private final String environment;
    private final Cache<UUID, Entry> cache;
    private final Duration epochCheck;
    private final long epochCheckNanos;

    TenantKeyring(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, KeyEncryptionKey kek,
                  CloudwardenProperties platform,
                  @Value("${cloudwarden.crypto.cache.max-tenants:10000}") long maxTenants,
                  @Value("${cloudwarden.crypto.cache.idle:PT10M}") Duration idle,
                  @Value("${cloudwarden.crypto.cache.epoch-check:PT5S}") Duration epochCheck) {
        if (epochCheck.isNegative()) {
            throw new IllegalStateException("cloudwarden.crypto.cache.epoch-check must not be negative");
        }
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.kek = kek;
        this.environment = platform.environment().name();
        this.epochCheck = epochCheck;
        this.epochCheckNanos = epochCheck.toNanos();
        TinkSetup.ensureRegistered();
        this.cache = Caffeine.newBuilder().maximumSize(maxTenants).expireAfterAccess(idle).build();
    }

    /** Fresh keys for a new tenant, not yet stored. */
    public TenantKeys generate(UUID tenant) {
        try {
            return new TenantKeys(tenant, KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM),
                    KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not generate keys for tenant " + tenant, e);
        }
    }

    /**
     * Stores a new tenant's keys, wrapped, in the current transaction (tenant in scope), and makes
     * them usable at once; if the transaction rolls back they are forgotten again.
     */
    public void store(TenantKeys keys) {
        store(keys, wrap(keys));
    }

    /** As {@link #store(TenantKeys)}, for keys parked wrapped ({@link #wrap}) and just unwrapped from there: no second KEK call. */
    public void store(TenantKeys keys, Wrapped wrapped) {
        UUID tenant = tenants.require();
        if (!tenant.equals(keys.tenant())) {
            throw new IllegalStateException("keys of another tenant");
        }
        long epoch = jdbc.sql("insert into tenant_keysets (tenant_id, aead_keyset, prf_keyset, kek_id) values (?, ?, ?, ?) returning epoch")
                .params(tenant, wrapped.aead(), wrapped.prf(), wrapped.kekId())
                .query(Long.class).single();
        cacheUntilRollback(keys, epoch);
    }

    /** A new tenant's keysets wrapped by the KEK, parked until the tenant is created (sign-up waiting for its email). */
    public record Wrapped(byte[] aead, byte[] prf, String kekId) {
        @Override
        public String toString() {
            return "Wrapped[kek=" + kekId + "]";
        }
    }

    /** Wraps keys that are not stored yet, for keeping elsewhere until {@link #store} (bound to tenant and environment like stored ones). */
    public Wrapped wrap(TenantKeys keys) {
        return new Wrapped(wrap(keys.aeadKeyset(), keys.tenant(), "aead"), wrap(keys.prfKeyset(), keys.tenant(), "prf"), kek.id());
    }

    /** Unwraps parked keys; fails closed when they were altered or belong to another tenant or environment. */
    public TenantKeys unwrap(UUID tenant, Wrapped wrapped) {
        return new TenantKeys(tenant, unwrap(wrapped.aead(), tenant, "aead"), unwrap(wrapped.prf(), tenant, "prf"));
    }

    /** The tenant's keys; fails closed when the tenant has none (unknown, or purged). */
    public TenantKeys keys(UUID tenant) {
        return find(tenant).orElseThrow(() -> new CryptoException("No keys for tenant " + tenant));
    }

    public Optional<TenantKeys> find(UUID tenant) {
        tenants.current().filter(scope -> !scope.equals(tenant)).ifPresent(scope -> {
            throw new IllegalStateException("keys of another tenant requested inside a tenant scope");
        });
        Entry entry = cache.getIfPresent(tenant);
        if (entry == null) {
            return load(tenant);
        }
        long confirmed = entry.confirmedAt.get();
        long now = System.nanoTime();
        // Within the interval, or while another caller is re-reading the epoch: the cached keys.
        if (now - confirmed < epochCheckNanos || !entry.confirmedAt.compareAndSet(confirmed, now)) {
            return Optional.of(entry.keys);
        }
        return revalidate(tenant, entry, confirmed, now);
    }

    /**
     * The tenant's keys as the database has them now: re-reads the epoch at once and reloads on a
     * change. For a ciphertext under a key id the cached keyset does not know (another node rotated),
     * and for key maintenance, which must not act on a stale keyset.
     */
    TenantKeys refresh(UUID tenant) {
        Entry entry = cache.getIfPresent(tenant);
        if (entry == null) {
            return keys(tenant);
        }
        long confirmed = entry.confirmedAt.get();
        long now = System.nanoTime();
        entry.confirmedAt.set(now);
        return revalidate(tenant, entry, confirmed, now).orElseThrow(() -> new CryptoException("No keys for tenant " + tenant));
    }

    /** How long a node uses a cached keyset before it re-reads the epoch: the longest it may miss a rotation elsewhere. */
    Duration epochCheck() {
        return epochCheck;
    }

    private Optional<TenantKeys> revalidate(UUID tenant, Entry entry, long previouslyConfirmed, long now) {
        record Check(UUID scope, Long epoch) {
        }
        Check check;
        try {
            // current_tenant_id() tells whether the row was really visible: a caller inside a transaction
            // opened without this tenant sees no rows, which says nothing about the keyset.
            check = tenants.callAs(tenant, () -> tx.execute(s -> jdbc
                    .sql("select current_tenant_id(), (select epoch from tenant_keysets where tenant_id = ?)").param(tenant)
                    .query((rs, n) -> new Check(rs.getObject(1, UUID.class), (Long) rs.getObject(2)))
                    .single()));
        } catch (RuntimeException e) {
            entry.confirmedAt.compareAndSet(now, previouslyConfirmed); // the next caller checks again
            throw e;
        }
        if (!tenant.equals(check.scope())) {
            entry.confirmedAt.compareAndSet(now, previouslyConfirmed);
            return Optional.of(entry.keys);
        }
        if (check.epoch() == null) {
            cache.asMap().remove(tenant, entry); // the keyset is gone (purged): fail closed from now on
            return Optional.empty();
        }
        if (check.epoch() == entry.epoch) {
            return Optional.of(entry.keys);
        }
        return load(tenant);
    }

    private Optional<TenantKeys> load(UUID tenant) {
        long readAt = System.nanoTime();
        Optional<Entry> loaded = tenants.callAs(tenant, () -> tx.execute(s -> jdbc
                .sql("select aead_keyset, prf_keyset, epoch from tenant_keysets where tenant_id = ?").param(tenant)
                .query((rs, n) -> new Entry(new TenantKeys(tenant, unwrap(rs.getBytes(1), tenant, "aead"), unwrap(rs.getBytes(2), tenant, "prf")),
                        rs.getLong(3), readAt))
                .optional()));
        loaded.ifPresent(this::remember);
        return loaded.map(e -> e.keys);
    }

    /** Caches an entry unless a newer epoch is already cached (two loads racing, the older one finishing last). */
    private void remember(Entry entry) {
        cache.asMap().merge(entry.keys.tenant(), entry, (cached, fresh) -> fresh.epoch >= cached.epoch ? fresh : cached);
    }

    /** Adds a new primary AEAD key for the tenant; values encrypted under older keys still decrypt. */
    public TenantKeys rotateDataKey(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            TenantKeys current = lockedKeys(tenant);
            try {
                KeysetHandle rotated = KeysetHandle.newBuilder(current.aeadKeyset())
                        .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary())
                        .build();
                return replaceAead(tenant, current, rotated, true);
            } catch (GeneralSecurityException e) {
                throw new CryptoException("Could not rotate the data key of tenant " + tenant, e);
            }
        }));
    }

    /**
     * Drops every AEAD key but the primary. Call only after re-encryption left no value under them.
     * Refuses, under the row lock, when the primary is no longer {@code expectedPrimary} (a rotation
     * since the caller's check) or changed less than {@code settle} ago (a node may still be
     * encrypting under the previous one).
     */
    TenantKeys retireOldDataKeys(UUID tenant, int expectedPrimary, Duration settle) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            Locked locked = lockedRow(tenant);
            TenantKeys current = locked.keys();
            if (current.primaryKeyId() != expectedPrimary) {
                throw new IllegalStateException("The data key of tenant " + tenant + " was rotated meanwhile; re-encrypt first");
            }
            if (locked.sinceDataKeyRotation() != null && locked.sinceDataKeyRotation().compareTo(settle) < 0) {
                throw new IllegalStateException("The data key of tenant " + tenant + " was rotated " + locked.sinceDataKeyRotation().toMillis()
                        + " ms ago; old keys retire only " + settle.toMillis() + " ms after a rotation, once every node uses the new key");
            }
            KeysetHandle.Builder builder = KeysetHandle.newBuilder(current.aeadKeyset());
            for (int i = builder.size() - 1; i >= 0; i--) {
                if (!builder.getAt(i).isPrimary()) {
                    builder.deleteAt(i);
                }
            }
            try {
                return replaceAead(tenant, current, builder.build(), false);
            } catch (GeneralSecurityException e) {
                throw new CryptoException("Could not retire old data keys of tenant " + tenant, e);
            }
        }));
    }

    /** Re-wraps one tenant's keysets under the KEK's current key (KEK rotation); the keys themselves do not change. */
    void rewrap(UUID tenant) {
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
            Optional<Locked> row = lockedRowIfAny(tenant);
            if (row.isEmpty()) {
                return; // purged since the tenants were listed: nothing left to re-wrap
            }
            TenantKeys keys = row.get().keys();
            jdbc.sql("update tenant_keysets set aead_keyset = ?, prf_keyset = ?, kek_id = ?, rotated_at = now() where tenant_id = ?")
                    .params(wrap(keys.aeadKeyset(), tenant, "aead"), wrap(keys.prfKeyset(), tenant, "prf"), kek.id(), tenant)
                    .update();
        }));
    }

    /**
     * The tenant's keys read from its row under a row lock, never from the cache: concurrent rotations
     * (a CLI re-wrap while a node rotates a data key) serialize on the row and none loses a key.
     */
    private TenantKeys lockedKeys(UUID tenant) {
        return lockedRow(tenant).keys();
    }

    private Locked lockedRow(UUID tenant) {
        return lockedRowIfAny(tenant).orElseThrow(() -> new CryptoException("No keys for tenant " + tenant));
    }

    private Optional<Locked> lockedRowIfAny(UUID tenant) {
        return jdbc.sql("""
                        select aead_keyset, prf_keyset,
                               (extract(epoch from clock_timestamp() - data_key_rotated_at) * 1000)::bigint
                        from tenant_keysets where tenant_id = ? for update""").param(tenant)
                .query((rs, n) -> {
                    Long millis = (Long) rs.getObject(3);
                    return new Locked(new TenantKeys(tenant, unwrap(rs.getBytes(1), tenant, "aead"), unwrap(rs.getBytes(2), tenant, "prf")),
                            millis == null ? null : Duration.ofMillis(millis));
                })
                .optional();
    }

    /** How long ago the tenant's data key was last rotated, by the database's clock; empty if never. */
    Optional<Duration> sinceDataKeyRotation(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("""
                        select (extract(epoch from clock_timestamp() - data_key_rotated_at) * 1000)::bigint
                        from tenant_keysets where tenant_id = ? and data_key_rotated_at is not null""").param(tenant)
                .query(Long.class).optional().map(Duration::ofMillis)));
    }

    /** Every tenant id (ids only, through a SECURITY DEFINER function): key maintenance walks all tenants. */
    List<UUID> allTenantIds() {
        return jdbc.sql("select tenant_id from tenant_ids_for_key_maintenance()").query(UUID.class).list();
    }

    String kekId() {
        return kek.id();
    }

    /** Stores a changed AEAD keyset (the database bumps the epoch); {@code newPrimary} also records when the primary changed. */
    private TenantKeys replaceAead(UUID tenant, TenantKeys current, KeysetHandle aead, boolean newPrimary) {
        TenantKeys replaced = new TenantKeys(tenant, aead, current.prfKeyset());
        // clock_timestamp(), not now(): the rotation takes effect when this statement runs, after the KEK call, not when the transaction began
        jdbc.sql("update tenant_keysets set aead_keyset = ?, kek_id = ?, rotated_at = now(), data_key_rotated_at = "
                        + (newPrimary ? "clock_timestamp()" : "data_key_rotated_at") + " where tenant_id = ?")
                .params(wrap(aead, tenant, "aead"), kek.id(), tenant).update();
        cache.invalidate(tenant);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                cache.invalidate(tenant); // reload from the database, whichever way the transaction ended
            }
        });
        return replaced;
    }

    /**
     * Drops this node's copy of the tenant's keys (its keyset was destroyed by the purge). Other nodes
     * find the row gone at their next epoch check and drop theirs: from then on nothing decrypts.
     */
    public void forget(UUID tenant) {
        cache.invalidate(tenant);
    }

    /** Puts keys into the cache as confirmed now (sign-up, and the benchmark's warm cache). */
    void warm(TenantKeys keys, long epoch) {
        cache.put(keys.tenant(), new Entry(keys, epoch, System.nanoTime()));
    }

    private void cacheUntilRollback(TenantKeys keys, long epoch) {
        warm(keys, epoch);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                if (status != STATUS_COMMITTED) {
                    cache.invalidate(keys.tenant());
                }
            }
        });
    }

    private byte[] wrap(KeysetHandle keyset, UUID tenant, String purpose) {
        try {
            return TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, kek, keysetContext(tenant, purpose));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not wrap the " + purpose + " keyset of tenant " + tenant + " with " + kek.id(), e);
        }
    }

    private KeysetHandle unwrap(byte[] wrapped, UUID tenant, String purpose) {
        try {
            return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek, keysetContext(tenant, purpose));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not unwrap the " + purpose + " keyset of tenant " + tenant
                    + ": wrong KEK or environment, or the keyset was altered", e);
        }
    }

    private byte[] keysetContext(UUID tenant, String purpose) {
        return AssociatedData.of("cloudwarden:keyset:v1", environment, tenant.toString(), purpose);
    }

    /** Length-prefixed concatenation: unambiguous whatever the parts contain. */
    static final class AssociatedData {
        private AssociatedData() {
        }

        static byte[] of(String... parts) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (String part : parts) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                out.write(bytes.length >>> 8);
                out.write(bytes.length);
                out.writeBytes(bytes);
            }
            return out.toByteArray();
        }
    }
}
