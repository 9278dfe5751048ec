package dev.cloudwarden.crypto;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.audit.Canonical;
import java.util.HexFormat;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.common.CloudwardenProperties;
import java.security.GeneralSecurityException;
import java.time.OffsetDateTime;
import java.util.Base64;
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
    private final SigningKeysets keysets;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Map<String, PublicKeySign> signers = new ConcurrentHashMap<>();

    AuditKeys(TenantKeyring keyring, KeyEncryptionKey kek, JdbcClient jdbc, TransactionTemplate tx, CloudwardenProperties platform) {
        this.keyring = keyring;
        this.keysets = new SigningKeysets(kek, "cloudwarden:audit-signing-key:v1", platform.environment().name());
        this.jdbc = jdbc;
        this.tx = tx;
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
        PublicKeySign sign = signers.computeIfAbsent(current.keyId(), id -> keysets.signer(id, current.privateKeyset()));
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
        KeysetHandle keyset = SigningKeysets.generate();
        byte[] spki = spki(SigningKeysets.publicKey(keyset));
        String keyId = SigningKeysets.keyId(spki);
        // validity comes from the database's clock (a trigger sets it, see V10): one clock for every node,
        // and a digest holding the current key (FOR SHARE) is always signed before that key's retirement
        if (previous != null) {
            jdbc.sql("update audit_signing_keys set valid_until = clock_timestamp() where key_id = ? and valid_until is null")
                    .param(previous).update();
        }
        jdbc.sql("insert into audit_signing_keys (key_id, public_key, private_keyset, kek_id) values (?, ?, ?, ?) on conflict do nothing")
                .params(keyId, spki, keysets.wrap(keyId, keyset), keysets.kekId()).update();
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
                    .param(keysets.kekId()).query((rs, n) -> new Stored(rs.getString(1), rs.getBytes(2))).list()) {
                KeysetHandle keyset = keysets.parse(stored.keyId(), stored.privateKeyset());
                jdbc.sql("update audit_signing_keys set private_keyset = ?, kek_id = ? where key_id = ?")
                        .params(keysets.wrap(stored.keyId(), keyset), keysets.kekId(), stored.keyId()).update();
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

    /** The published form of a raw Ed25519 key: its X.509 SubjectPublicKeyInfo (RFC 8410). */
    private static byte[] spki(byte[] raw) {
        byte[] spki = new byte[SPKI_PREFIX.length + raw.length];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
        return spki;
    }
}
