package dev.cloudwarden.crypto;

import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.signature.Ed25519PublicKey;
import com.google.crypto.tink.signature.PredefinedSignatureParameters;
import com.google.crypto.tink.signature.SignatureConfig;
import dev.cloudwarden.audit.Canonical;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The platform's Ed25519 signing keys as stored: Tink keysets wrapped by the KEK, bound to what the key is
 * for, the environment and the key id, so a key of one purpose cannot be passed off as another's. Used by
 * the activity history's digest key ({@link AuditKeys}) and the agents' command key ({@link CommandKeys}).
 */
final class SigningKeysets {

    static {
        try {
            SignatureConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeyEncryptionKey kek;
    private final String purpose;
    private final String environment;

    /** {@code purpose}: what the associated data names, e.g. {@code cloudwarden:audit-signing-key:v1}. */
    SigningKeysets(KeyEncryptionKey kek, String purpose, String environment) {
        this.kek = kek;
        this.purpose = purpose;
        this.environment = environment;
    }

    static KeysetHandle generate() {
        try {
            return KeysetHandle.generateNew(PredefinedSignatureParameters.ED25519WithRawOutput);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not generate a signing key", e);
        }
    }

    /** The raw 32-byte public key. */
    static byte[] publicKey(KeysetHandle keyset) {
        try {
            return ((Ed25519PublicKey) keyset.getPublicKeysetHandle().getPrimary().getKey()).getPublicKeyBytes().toByteArray();
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not read a signing key's public key", e);
        }
    }

    /** A key's id: {@code ed25519-} and the first 8 bytes of the SHA-256 of {@code encodedPublicKey}, in hex. */
    static String keyId(byte[] encodedPublicKey) {
        return "ed25519-" + HexFormat.of().formatHex(Canonical.sha256().digest(encodedPublicKey), 0, 8);
    }

    String kekId() {
        return kek.id();
    }

    byte[] wrap(String keyId, KeysetHandle keyset) {
        try {
            return TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, kek, associatedData(keyId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not wrap the signing key " + keyId + " with " + kek.id(), e);
        }
    }

    KeysetHandle parse(String keyId, byte[] wrapped) {
        try {
            return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek, associatedData(keyId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("The signing key " + keyId + " cannot be unwrapped with " + kek.id(), e);
        }
    }

    PublicKeySign signer(String keyId, byte[] wrapped) {
        try {
            return parse(keyId, wrapped).getPrimitive(ConfigurationV0.get(), PublicKeySign.class);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("The signing key " + keyId + " is unusable", e);
        }
    }

    private byte[] associatedData(String keyId) {
        return TenantKeyring.AssociatedData.of(purpose, environment, keyId);
    }
}
