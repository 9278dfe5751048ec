package dev.cloudwarden.crypto;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import dev.cloudwarden.common.CloudwardenProperties;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The platform's key for commands to host agents (docs/agents.md): one Ed25519 key, made on first use and
 * stored only wrapped by the KEK (table {@code agent_command_keys}); every agent receives its public half
 * at enrolment and accepts only commands it signed. Kept apart from the activity history's key, so neither
 * signature can stand for the other. It is not rotated, since agents pin it; a KEK rotation re-wraps it.
 */
@Component
public class CommandKeys {

    /** The public half as agents pin it (raw 32 bytes), with its id. */
    public record PublicKey(String keyId, byte[] raw) {
    }

    /** A signature by the command key. */
    public record Signature(String keyId, byte[] value) {
    }

    private record Stored(String keyId, byte[] publicKey, byte[] privateKeyset) {
    }

    private final SigningKeysets keysets;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private volatile Loaded loaded;

    private record Loaded(PublicKey publicKey, PublicKeySign signer) {
    }

    CommandKeys(KeyEncryptionKey kek, JdbcClient jdbc, TransactionTemplate tx, CloudwardenProperties platform) {
        this.keysets = new SigningKeysets(kek, "cloudwarden:agent-command-key:v1", platform.environment().name());
        this.jdbc = jdbc;
        this.tx = tx;
    }

    public PublicKey publicKey() {
        return load().publicKey();
    }

    public Signature sign(byte[] message) {
        Loaded current = load();
        try {
            return new Signature(current.publicKey().keyId(), current.signer().sign(message));
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Could not sign an agent command", e);
        }
    }

    /** Re-wraps the key under the current KEK (after a KEK rotation); returns 1 if it moved. */
    int rewrap() {
        return tx.execute(s -> jdbc.sql("select key_id, public_key, private_keyset from agent_command_keys where kek_id <> ? for update")
                .param(keysets.kekId()).query(CommandKeys::stored).optional()
                .map(stored -> jdbc.sql("update agent_command_keys set private_keyset = ?, kek_id = ? where key_id = ?")
                        .params(keysets.wrap(stored.keyId(), keysets.parse(stored.keyId(), stored.privateKeyset())), keysets.kekId(), stored.keyId())
                        .update())
                .orElse(0));
    }

    private Loaded load() {
        Loaded current = loaded;
        if (current == null) {
            synchronized (this) {
                current = loaded;
                if (current == null) {
                    Stored stored = read().orElseGet(() -> {
                        KeysetHandle keyset = SigningKeysets.generate();
                        byte[] raw = SigningKeysets.publicKey(keyset);
                        String keyId = SigningKeysets.keyId(raw);
                        // the first node wins (one row, by a unique index); every node then uses the stored key
                        tx.executeWithoutResult(s -> jdbc.sql("""
                                        insert into agent_command_keys (key_id, public_key, private_keyset, kek_id) values (?, ?, ?, ?)
                                        on conflict do nothing""")
                                .params(keyId, raw, keysets.wrap(keyId, keyset), keysets.kekId()).update());
                        return read().orElseThrow(() -> new CryptoException("The agent command key could not be stored"));
                    });
                    current = new Loaded(new PublicKey(stored.keyId(), stored.publicKey()), keysets.signer(stored.keyId(), stored.privateKeyset()));
                    loaded = current;
                }
            }
        }
        return current;
    }

    private Optional<Stored> read() {
        return tx.execute(s -> jdbc.sql("select key_id, public_key, private_keyset from agent_command_keys").query(CommandKeys::stored).optional());
    }

    private static Stored stored(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        return new Stored(rs.getString(1), rs.getBytes(2), rs.getBytes(3));
    }
}
