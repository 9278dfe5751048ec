package dev.cloudwarden.abuse;

import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfSet;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.crypto.KeyEncryptionKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The platform's key for hashing emails that belong to no account (the {@code login_throttle} table):
 * an HMAC-SHA256 Tink keyset, created on first use and stored only wrapped by the KEK, bound to the
 * environment. Every node loads the same key, so every node finds the same row for an email, and a
 * copy of the database alone cannot test guessed addresses against the table.
 *
 * <p>The throttle state it protects is short-lived, so the key is replaceable: if the stored key can
 * no longer be unwrapped (its KEK was retired) a new one replaces it, and unknown emails simply start
 * again from zero failures.
 */
@Component
class EmailHashKey {

    private static final Logger log = LoggerFactory.getLogger(EmailHashKey.class);
    private static final String PURPOSE = "login-throttle-email";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final KeyEncryptionKey kek;
    private final byte[] associatedData;
    private volatile PrfSet prf;

    EmailHashKey(JdbcClient jdbc, TransactionTemplate tx, KeyEncryptionKey kek, CloudwardenProperties platform) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.kek = kek;
        this.associatedData = lengthPrefixed("cloudwarden:platform-keyset:v1", platform.environment().name(), PURPOSE);
        try {
            PrfConfig.register();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink PRF registration failed", e);
        }
    }

    /** HMAC-SHA256 of a canonical email under the platform key: 32 bytes. */
    byte[] hash(String canonicalEmail) {
        try {
            return prf().computePrimary(lengthPrefixed(PURPOSE, canonicalEmail), 32);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Keyed email hash failed", e);
        }
    }

    private PrfSet prf() {
        PrfSet loaded = prf;
        if (loaded == null) {
            synchronized (this) {
                loaded = prf;
                if (loaded == null) {
                    loaded = load();
                    prf = loaded;
                }
            }
        }
        return loaded;
    }

    private record Stored(byte[] keyset, String kekId) {
    }

    private PrfSet load() {
        Optional<Stored> stored = read();
        if (stored.isEmpty()) {
            put(generate(), null); // first node wins; everyone then reads the stored one
            stored = read();
        }
        Stored current = stored.orElseThrow(() -> new IllegalStateException("The login throttle key could not be stored"));
        try {
            KeysetHandle keyset = TinkProtoKeysetFormat.parseEncryptedKeyset(current.keyset(), kek, associatedData);
            if (!current.kekId().equals(kek.id())) {
                // after a KEK rotation: move the key under the current KEK, like the tenant keysets
                put(wrap(keyset), current.keyset());
            }
            return keyset.getPrimitive(ConfigurationV0.get(), PrfSet.class);
        } catch (GeneralSecurityException e) {
            if (current.kekId().equals(kek.id())) {
                // the same KEK failed: a provider outage or a damaged row, not a reason to replace the key
                throw new IllegalStateException("The login throttle key cannot be unwrapped with " + kek.id(), e);
            }
            // wrapped by a KEK this node no longer has: the throttle state is short-lived, start a new key
            log.warn("The login throttle key was wrapped by {}, which {} cannot unwrap; replacing it", current.kekId(), kek.id());
            put(generate(), current.keyset());
            try {
                return unwrap(read().orElseThrow().keyset());
            } catch (GeneralSecurityException again) {
                throw new IllegalStateException("The login throttle key cannot be unwrapped", again);
            }
        }
    }

    private Optional<Stored> read() {
        return tx.execute(s -> jdbc.sql("select keyset, kek_id from login_throttle_key_get()")
                .query((rs, n) -> new Stored(rs.getBytes(1), rs.getString(2))).optional());
    }

    private void put(byte[] wrapped, byte[] replaces) {
        tx.executeWithoutResult(s -> jdbc.sql("select login_throttle_key_put(?, ?, ?)")
                .params(wrapped, kek.id(), replaces).query((rs, n) -> 1).list());
    }

    private byte[] generate() {
        try {
            return wrap(KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Could not create the login throttle key", e);
        }
    }

    private byte[] wrap(KeysetHandle keyset) {
        try {
            return TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, kek, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Could not wrap the login throttle key with " + kek.id(), e);
        }
    }

    private PrfSet unwrap(byte[] wrapped) throws GeneralSecurityException {
        return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek, associatedData)
                .getPrimitive(ConfigurationV0.get(), PrfSet.class);
    }

    private static byte[] lengthPrefixed(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }
}
