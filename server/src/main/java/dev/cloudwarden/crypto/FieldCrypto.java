package dev.cloudwarden.crypto;

import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The one facade for encrypting sensitive fields. Each ciphertext is AES-256-GCM under the tenant's
 * current data key, carries that key's id (Tink's 5-byte prefix) and is bound through associated
 * data to environment, tenant, table, column and row: copied anywhere else it does not decrypt.
 */
@Component
public class FieldCrypto {

    /** A sensitive column. */
    public record Field(String table, String column) {
        @Override
        public String toString() {
            return table + "." + column;
        }
    }

    private final TenantKeyring keyring;
    private final String environment;

    FieldCrypto(TenantKeyring keyring, CloudwardenProperties platform) {
        this.keyring = keyring;
        this.environment = platform.environment().name();
    }

    public byte[] encrypt(UUID tenant, Field field, UUID rowId, byte[] plaintext) {
        return encrypt(keyring.keys(tenant), field, rowId, plaintext);
    }

    /** With keys not stored yet (a sign-up waiting for its email); otherwise as {@link #encrypt(UUID, Field, UUID, byte[])}. */
    public byte[] encrypt(TenantKeys keys, Field field, UUID rowId, byte[] plaintext) {
        try {
            return keys.aead().encrypt(plaintext, associatedData(keys.tenant(), field, rowId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not encrypt " + field, e);
        }
    }

    public byte[] decrypt(UUID tenant, Field field, UUID rowId, byte[] ciphertext) {
        byte[] associatedData = associatedData(tenant, field, rowId);
        TenantKeys keys = keyring.keys(tenant);
        try {
            return keys.aead().decrypt(ciphertext, associatedData);
        } catch (GeneralSecurityException e) {
            // A key id this keyset does not know: another node may have rotated the data key since this
            // node last checked the epoch. Reload (if the epoch moved) and try once more before failing.
            if (ciphertext.length >= 5 && ciphertext[0] == 0x01 && !keys.hasDataKey(keyId(ciphertext))) {
                TenantKeys fresh = keyring.refresh(tenant);
                if (fresh != keys) {
                    try {
                        return fresh.aead().decrypt(ciphertext, associatedData);
                    } catch (GeneralSecurityException again) {
                        // fall through to the same answer
                    }
                }
            }
            throw new CryptoException("Could not decrypt " + field + ": the value was altered, or belongs to another row, "
                    + "column, tenant or environment");
        }
    }

    /** With keys not stored yet (a sign-up waiting for its email); otherwise as {@link #decrypt(UUID, Field, UUID, byte[])}. */
    public byte[] decrypt(TenantKeys keys, Field field, UUID rowId, byte[] ciphertext) {
        try {
            return keys.aead().decrypt(ciphertext, associatedData(keys.tenant(), field, rowId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not decrypt " + field + ": the value was altered, or belongs to another row, "
                    + "column, tenant or environment");
        }
    }

    public byte[] encryptString(UUID tenant, Field field, UUID rowId, String plaintext) {
        return encrypt(tenant, field, rowId, plaintext.getBytes(StandardCharsets.UTF_8));
    }

    public String decryptString(UUID tenant, Field field, UUID rowId, byte[] ciphertext) {
        return new String(decrypt(tenant, field, rowId, ciphertext), StandardCharsets.UTF_8);
    }

    public byte[] encryptSecret(UUID tenant, Field field, UUID rowId, Secret plaintext) {
        return encryptString(tenant, field, rowId, plaintext.reveal());
    }

    public Secret decryptSecret(UUID tenant, Field field, UUID rowId, byte[] ciphertext) {
        return Secret.of(decryptString(tenant, field, rowId, ciphertext));
    }

    /** The tenant's keyed hash of a value for one purpose (blind index): lookups never use plaintext. */
    public byte[] keyedHash(UUID tenant, String purpose, byte[] value) {
        return keyring.keys(tenant).keyedHash(purpose, value);
    }

    /** The id of the data key a ciphertext was made with (Tink prefix: version byte, then the 4-byte key id). */
    public static int keyId(byte[] ciphertext) {
        if (ciphertext.length < 5 || ciphertext[0] != 0x01) {
            throw new CryptoException("Not a Cloudwarden field ciphertext");
        }
        return ByteBuffer.wrap(ciphertext, 1, 4).getInt();
    }

    /** Whether a ciphertext is under the tenant's current data key (re-encryption skips those). */
    public boolean isCurrent(UUID tenant, byte[] ciphertext) {
        return keyId(ciphertext) == keyring.keys(tenant).primaryKeyId();
    }

    private byte[] associatedData(UUID tenant, Field field, UUID rowId) {
        return TenantKeyring.AssociatedData.of("cloudwarden:field:v1", environment, tenant.toString(),
                field.table(), field.column(), rowId.toString());
    }
}
