package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id (m = 19 MiB, t = 2, p = 1, OWASP's parameters) with a random 16-byte salt per hash, over
 * the password peppered with the tenant's secret PRF key: a stolen table cannot be attacked without
 * the tenant's key, and equal passwords in two tenants start from different inputs.
 *
 * <p>Stored form: {@code p1:$argon2id$...}. A hash without the {@code p1:} prefix (made before
 * tenant keys existed) is still accepted and replaced at the next successful sign-in, as is any
 * hash whose Argon2 parameters are below the current ones.
 */
@Component
public class PasswordHasher {

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    private static final String PEPPERED = "p1:";

    private final Argon2PasswordEncoder encoder = new Argon2PasswordEncoder(16, 32, 1, MEMORY_KIB, ITERATIONS);
    private final String dummyHash;
    private final Counter verifications;
    private final Counter hashes;

    public PasswordHasher(MeterRegistry meters) {
        this.dummyHash = encoder.encode("cloudwarden-dummy-password-for-unknown-accounts");
        this.verifications = Counter.builder("cloudwarden.password.verifications")
                .description("Argon2id password verifications, including those against the dummy hash")
                .register(meters);
        this.hashes = Counter.builder("cloudwarden.password.hashes")
                .description("Argon2id hashes of new passwords (sign-up, invitation acceptance, reset, upgrades)")
                .register(meters);
    }

    public String hash(TenantKeys keys, Secret password) {
        hashes.increment();
        return PEPPERED + encoder.encode(pepper(keys, password));
    }

    public boolean matches(TenantKeys keys, Secret password, String stored) {
        verifications.increment();
        return stored.startsWith(PEPPERED)
                ? encoder.matches(pepper(keys, password), stored.substring(PEPPERED.length()))
                : encoder.matches(password.reveal(), stored);
    }

    /** Spends the same work as {@link #matches} for an account that does not exist. */
    public void matchDummy(Secret password) {
        verifications.increment();
        encoder.matches(password.reveal(), dummyHash);
    }

    public boolean needsUpgrade(String stored) {
        return !stored.startsWith(PEPPERED) || encoder.upgradeEncoding(stored.substring(PEPPERED.length()));
    }

    private static String pepper(TenantKeys keys, Secret password) {
        return Base64.getEncoder().encodeToString(
                keys.keyedHash("password-pepper", password.reveal().getBytes(StandardCharsets.UTF_8)));
    }
}
