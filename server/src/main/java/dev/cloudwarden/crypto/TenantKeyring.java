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
 */
@Component
public class TenantKeyring {

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final KeyEncryptionKey kek;
    private final String environment;
    private final Cache<UUID, TenantKeys> cache;

    TenantKeyring(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, KeyEncryptionKey kek,
                  CloudwardenProperties platform,
                  @Value("${cloudwarden.crypto.cache.max-tenants:10000}") long maxTenants,
                  @Value("${cloudwarden.crypto.cache.idle:PT10M}") Duration idle) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.kek = kek;
        this.environment = platform.environment().name();
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
        jdbc.sql("insert into tenant_keysets (tenant_id, aead_keyset, prf_keyset, kek_id) values (?, ?, ?, ?)")
                .params(tenant, wrapped.aead(), wrapped.prf(), wrapped.kekId())
                .update();
        cacheUntilRollback(keys);
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
        TenantKeys cached = cache.getIfPresent(tenant);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<TenantKeys> loaded = tenants.callAs(tenant, () -> tx.execute(s -> jdbc
                .sql("select aead_keyset, prf_keyset from tenant_keysets where tenant_id = ?").param(tenant)
                .query((rs, n) -> new TenantKeys(tenant, unwrap(rs.getBytes(1), tenant, "aead"), unwrap(rs.getBytes(2), tenant, "prf")))
                .optional()));
        loaded.ifPresent(k -> cache.put(tenant, k));
        return loaded;
    }

    /** Adds a new primary AEAD key for the tenant; values encrypted under older keys still decrypt. */
    public TenantKeys rotateDataKey(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            TenantKeys current = lockedKeys(tenant);
            try {
                KeysetHandle rotated = KeysetHandle.newBuilder(current.aeadKeyset())
                        .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary())
                        .build();
                return replaceAead(tenant, current, rotated);
            } catch (GeneralSecurityException e) {
                throw new CryptoException("Could not rotate the data key of tenant " + tenant, e);
            }
        }));
    }

    /** Drops every AEAD key but the primary. Call only after re-encryption left no value under them. */
    TenantKeys retireOldDataKeys(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            TenantKeys current = lockedKeys(tenant);
            KeysetHandle.Builder builder = KeysetHandle.newBuilder(current.aeadKeyset());
            for (int i = builder.size() - 1; i >= 0; i--) {
                if (!builder.getAt(i).isPrimary()) {
                    builder.deleteAt(i);
                }
            }
            try {
                return replaceAead(tenant, current, builder.build());
            } catch (GeneralSecurityException e) {
                throw new CryptoException("Could not retire old data keys of tenant " + tenant, e);
            }
        }));
    }

    /** Re-wraps one tenant's keysets under the KEK's current key (KEK rotation); the keys themselves do not change. */
    void rewrap(UUID tenant) {
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
            TenantKeys keys = lockedKeys(tenant);
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
        return jdbc.sql("select aead_keyset, prf_keyset from tenant_keysets where tenant_id = ? for update").param(tenant)
                .query((rs, n) -> new TenantKeys(tenant, unwrap(rs.getBytes(1), tenant, "aead"), unwrap(rs.getBytes(2), tenant, "prf")))
                .optional().orElseThrow(() -> new CryptoException("No keys for tenant " + tenant));
    }

    /** Every tenant id (ids only, through a SECURITY DEFINER function): key maintenance walks all tenants. */
    List<UUID> allTenantIds() {
        return jdbc.sql("select tenant_id from tenant_ids_for_key_maintenance()").query(UUID.class).list();
    }

    String kekId() {
        return kek.id();
    }

    void forget(UUID tenant) {
        cache.invalidate(tenant);
    }

    private TenantKeys replaceAead(UUID tenant, TenantKeys current, KeysetHandle aead) {
        TenantKeys replaced = new TenantKeys(tenant, aead, current.prfKeyset());
        jdbc.sql("update tenant_keysets set aead_keyset = ?, kek_id = ?, rotated_at = now() where tenant_id = ?")
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

    private void cacheUntilRollback(TenantKeys keys) {
        cache.put(keys.tenant(), keys);
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
