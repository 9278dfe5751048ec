package dev.cloudwarden.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.prf.PrfSet;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.UUID;

/**
 * One tenant's unwrapped keys, held only in memory: an AES-256-GCM keyset for field encryption and
 * an HMAC-SHA256 PRF keyset for keyed hashes (blind indexes, password pepper, token hashes).
 */
public final class TenantKeys {

    private final UUID tenant;
    private final KeysetHandle aeadKeyset;
    private final KeysetHandle prfKeyset;
    private final Aead aead;
    private final PrfSet prf;

    TenantKeys(UUID tenant, KeysetHandle aeadKeyset, KeysetHandle prfKeyset) {
        this.tenant = tenant;
        this.aeadKeyset = aeadKeyset;
        this.prfKeyset = prfKeyset;
        try {
            this.aead = aeadKeyset.getPrimitive(ConfigurationV0.get(), Aead.class);
            this.prf = prfKeyset.getPrimitive(ConfigurationV0.get(), PrfSet.class);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("The keyset of tenant " + tenant + " is unusable", e);
        }
    }

    public UUID tenant() {
        return tenant;
    }

    KeysetHandle aeadKeyset() {
        return aeadKeyset;
    }

    KeysetHandle prfKeyset() {
        return prfKeyset;
    }

    Aead aead() {
        return aead;
    }

    /** The id of the key that encrypts new values; old ids remain valid for decryption. */
    int primaryKeyId() {
        return aeadKeyset.getPrimary().getId();
    }

    /** Whether this keyset holds the AEAD key with that id (a ciphertext under another id is from a newer keyset, or foreign). */
    boolean hasDataKey(int keyId) {
        for (int i = 0; i < aeadKeyset.size(); i++) {
            if (aeadKeyset.getAt(i).getId() == keyId) {
                return true;
            }
        }
        return false;
    }

    /**
     * HMAC-SHA256 of {@code value} under this tenant's PRF key, separated by {@code purpose} so one
     * use can never be replayed as another. Equal inputs in two tenants never hash alike.
     */
    public byte[] keyedHash(String purpose, byte[] value) {
        byte[] label = purpose.getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[2 + label.length + value.length];
        input[0] = (byte) (label.length >>> 8);
        input[1] = (byte) label.length;
        System.arraycopy(label, 0, input, 2, label.length);
        System.arraycopy(value, 0, input, 2 + label.length, value.length);
        try {
            return prf.computePrimary(input, 32);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Keyed hash failed for tenant " + tenant, e);
        }
    }

    @Override
    public String toString() {
        return "TenantKeys[tenant=" + tenant + ", keys=REDACTED]";
    }
}
