package dev.cloudwarden.crypto;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The platform's own keys, for what belongs to no tenant: operators' password pepper, TOTP secrets and
 * token hashes, and vulnerability reports. One AEAD and one PRF keyset, made on first use, stored only
 * wrapped by the KEK (table {@code platform_keysets}) and bound like tenant keysets to the environment
 * and to {@link #ID}, the nil id no tenant can have; every node loads the same keys. They are
 * {@link TenantKeys} so {@link FieldCrypto} and keyed hashes work on them unchanged, with field names
 * that keep each use apart. A KEK rotation re-wraps them ({@link #rewrap}).
 */
@Component
public class PlatformKeys {

    /** The id the platform's keys are bound to: the nil UUID, which the tenants table refuses. */
    public static final UUID ID = new UUID(0, 0);
    static final String NAME = "platform";

    private final TenantKeyring keyring;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private volatile TenantKeys keys;

    PlatformKeys(TenantKeyring keyring, JdbcClient jdbc, TransactionTemplate tx) {
        this.keyring = keyring;
        this.jdbc = jdbc;
        this.tx = tx;
    }

    public TenantKeys keys() {
        TenantKeys loaded = keys;
        if (loaded == null) {
            synchronized (this) {
                loaded = keys;
                if (loaded == null) {
                    loaded = load();
                    keys = loaded;
                }
            }
        }
        return loaded;
    }

    /** Re-wraps the stored keysets under the current KEK (a KEK rotation); false when there are none yet. */
    public boolean rewrap() {
        Optional<TenantKeyring.Wrapped> stored = read();
        if (stored.isEmpty()) {
            return false;
        }
        TenantKeys current = keyring.unwrap(ID, stored.get());
        TenantKeyring.Wrapped wrapped = keyring.wrap(current);
        tx.executeWithoutResult(s -> jdbc.sql("update platform_keysets set aead_keyset = ?, prf_keyset = ?, kek_id = ? where name = ?")
                .params(wrapped.aead(), wrapped.prf(), wrapped.kekId(), NAME).update());
        return true;
    }

    private TenantKeys load() {
        if (read().isEmpty()) {
            TenantKeyring.Wrapped fresh = keyring.wrap(keyring.generate(ID));
            // the first node wins; every node then uses the stored keys
            tx.executeWithoutResult(s -> jdbc.sql("""
                    insert into platform_keysets (name, aead_keyset, prf_keyset, kek_id) values (?, ?, ?, ?)
                    on conflict (name) do nothing""").params(NAME, fresh.aead(), fresh.prf(), fresh.kekId()).update());
        }
        TenantKeyring.Wrapped stored = read().orElseThrow(() -> new CryptoException("The platform keys could not be stored"));
        return keyring.unwrap(ID, stored);
    }

    private Optional<TenantKeyring.Wrapped> read() {
        return tx.execute(s -> jdbc.sql("select aead_keyset, prf_keyset, kek_id from platform_keysets where name = ?").param(NAME)
                .query((rs, n) -> new TenantKeyring.Wrapped(rs.getBytes(1), rs.getBytes(2), rs.getString(3))).optional());
    }
}
