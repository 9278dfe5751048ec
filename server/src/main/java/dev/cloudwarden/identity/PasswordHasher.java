package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.UUID;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Argon2id with a random 16-byte salt per hash at OWASP's parameters (m = 19 MiB, t = 2, p = 1),
 * applied to the tenant-peppered password. Unknown accounts are checked against a dummy hash so a
 * wrong email costs the same work as a wrong password.
 */
@Component
public class PasswordHasher {

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;

    private final Argon2PasswordEncoder encoder = new Argon2PasswordEncoder(16, 32, 1, MEMORY_KIB, ITERATIONS);
    private final PasswordPepper pepper;
    private final String dummyHash;
    private final Counter verifications;

    public PasswordHasher(MeterRegistry meters) {
        this.pepper = PasswordPepper.NONE;
        this.dummyHash = encoder.encode("cloudwarden-dummy-password-for-unknown-accounts");
        this.verifications = Counter.builder("cloudwarden.password.verifications")
                .description("Argon2id password verifications, including those against the dummy hash")
                .register(meters);
    }

    public String hash(UUID tenant, Secret password) {
        return encoder.encode(pepper.apply(tenant, password).reveal());
    }

    public boolean matches(UUID tenant, Secret password, String storedHash) {
        verifications.increment();
        return encoder.matches(pepper.apply(tenant, password).reveal(), storedHash);
    }

    /** Spends the same work as {@link #matches} for an account that does not exist. */
    public void matchDummy(Secret password) {
        verifications.increment();
        encoder.matches(password.reveal(), dummyHash);
    }

    public boolean needsUpgrade(String storedHash) {
        return encoder.upgradeEncoding(storedHash);
    }
}
