package dev.cloudwarden.crypto;

import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.signature.Ed25519PublicKey;
import com.google.crypto.tink.signature.PredefinedSignatureParameters;
import com.google.crypto.tink.signature.SignatureConfig;
import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.common.CloudwardenProperties;
import java.security.GeneralSecurityException;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The activity history's keys: detail values are hashed with the tenant's PRF key, and digests are
 * signed with the platform's Ed25519 key. That key is a Tink keyset stored only wrapped by the KEK
 * (bound to environment and key id), created on first use; a rotation retires it with a
 * {@code valid_until} (its private half is wiped then) and never deletes it, so every digest it
 * signed stays verifiable with the published public key.
 */
@Component
class AuditKeys implements ActivityKeys {

    /** The fixed X.509 SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): prefix + the 32 raw bytes. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final TenantKeyring keyring;
    private final KeyEncryptionKey kek;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final String environment;
    private final Map<String, PublicKeySign> signers = new ConcurrentHashMap<>();

    AuditKeys(TenantKeyring keyring, KeyEncryptionKey kek, JdbcClient jdbc, TransactionTemplate tx, CloudwardenProperties platform) {
        this.keyring = keyring;
        this.kek = kek;
        this.jdbc = jdbc;
        this.tx = tx;
        this.environment = platform.environment().name();
        try {
            SignatureConfig.register();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink signature registration failed", e);
        }
    }

    @Override
    public byte[] detailHash(UUID tenant, byte[] value) {
        return keyring.keys(tenant).keyedHash("activity-detail", value);
    }

    private record Stored(String keyId, byte[] privateKeyset) {
    }

    @Override
    public Signer currentSigner() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("sign digests inside a transaction");
        }
        // FOR SHARE: a rotation (which updates this row) waits until the digest is stored, so no digest
        // is signed by a key after its valid_until.
        Stored current = readCurrent().orElseGet(() -> {
            create(null);
            return readCurrent().orElseThrow(() -> new IllegalStateException("no current audit signing key"));
        });
        PublicKeySign sign = signers.computeIfAbsent(current.keyId(), id -> unwrap(id, current.privateKeyset()));
        return new Signer() {
            @Override
            public String keyId() {
                return current.keyId();
            }

            @Override
            public byte[] sign(byte[] message) {
                try {
                    return sign.sign(message);
                } catch (GeneralSecurityException e) {
                    throw new CryptoException("Could not sign an activity digest", e);
                }
            }
        };
    }

    private Optional<Stored> readCurrent() {
        return jdbc.sql("select key_id, private_keyset from audit_signing_keys where valid_until is null for share")
                .query((rs, n) -> new Stored(rs.getString(1), rs.getBytes(2))).optional();
    }

    /**
     * Makes a new current key, retiring {@code previous} (or, for the first key, only if none exists):
     * the old key's validity ends when the new one's begins.
     */
    private String create(String previous) {
        KeysetHandle keyset;
        try {
            keyset = KeysetHandle.generateNew(PredefinedSignatureParameters.ED25519WithRawOutput);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not generate an audit signing key", e);
        }
        byte[] spki = spki(keyset);
        String keyId = "ed25519-" + HexFormat.of().formatHex(Canonical.sha256().digest(spki), 0, 8);
        // validity comes from the database's clock (a trigger sets it, see V10): one clock for every node,
        // and a digest holding the current key (FOR SHARE) is always signed before that key's retirement
        if (previous != null) {
            jdbc.sql("update audit_signing_keys set valid_until = clock_timestamp() where key_id = ? and valid_until is null")
                    .param(previous).update();
        }
        jdbc.sql("insert into audit_signing_keys (key_id, public_key, private_keyset, kek_id) values (?, ?, ?, ?) on conflict do nothing")
                .params(keyId, spki, wrap(keyId, keyset), kek.id()).update();
        return keyId;
    }

    /** Retires the current key and makes a new one; returns {previous, new} key ids. */
    String[] rotate() {
        return tx.execute(s -> {
            String previous = jdbc.sql("select key_id from audit_signing_keys where valid_until is null for update")
                    .query(String.class).optional().orElse(null);
            return new String[] {previous, create(previous)};
        });
    }

    /** Moves every signing key under the current KEK (after a KEK rotation); returns how many moved. */
    int rewrap() {
        return tx.execute(s -> {
            int moved = 0;
            // retired keys hold no private half any more (wiped at retirement): only the current one moves
            for (Stored stored : jdbc.sql("select key_id, private_keyset from audit_signing_keys where kek_id <> ? and valid_until is null for update")
                    .param(kek.id()).query((rs, n) -> new Stored(rs.getString(1), rs.getBytes(2))).list()) {
                KeysetHandle keyset = parse(stored.keyId(), stored.privateKeyset());
                jdbc.sql("update audit_signing_keys set private_keyset = ?, kek_id = ? where key_id = ?")
                        .params(wrap(stored.keyId(), keyset), kek.id(), stored.keyId()).update();
                moved++;
            }
            return moved;
        });
    }

    @Override
    public PublishedKeys publishedKeys() {
        return tx.execute(s -> new PublishedKeys(jdbc.sql("select key_id, public_key, valid_from, valid_until from audit_signing_keys order by valid_from")
                .query((rs, n) -> {
                    OffsetDateTime until = rs.getObject(4, OffsetDateTime.class);
                    return new PublishedKeys.Key(rs.getString(1), "Ed25519", Base64.getEncoder().encodeToString(rs.getBytes(2)),
                            Canonical.time(rs.getObject(3, OffsetDateTime.class).toInstant()), until == null ? null : Canonical.time(until.toInstant()));
                }).list()));
    }

    private PublicKeySign unwrap(String keyId, byte[] wrapped) {
        try {
            return parse(keyId, wrapped).getPrimitive(ConfigurationV0.get(), PublicKeySign.class);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("The audit signing key " + keyId + " is unusable", e);
        }
    }

    private KeysetHandle parse(String keyId, byte[] wrapped) {
        try {
            return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek, associatedData(keyId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("The audit signing key " + keyId + " cannot be unwrapped with " + kek.id(), e);
        }
    }

    private byte[] wrap(String keyId, KeysetHandle keyset) {
        try {
            return TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, kek, associatedData(keyId));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not wrap the audit signing key with " + kek.id(), e);
        }
    }

    private byte[] associatedData(String keyId) {
        return TenantKeyring.AssociatedData.of("cloudwarden:audit-signing-key:v1", environment, keyId);
    }

    private static byte[] spki(KeysetHandle keyset) {
        try {
            Ed25519PublicKey key = (Ed25519PublicKey) keyset.getPublicKeysetHandle().getPrimary().getKey();
            byte[] raw = key.getPublicKeyBytes().toByteArray();
            byte[] spki = new byte[SPKI_PREFIX.length + raw.length];
            System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
            System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
            return spki;
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not read the audit signing key's public key", e);
        }
    }
}
