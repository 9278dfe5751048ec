package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Argon2id (m = 19 MiB, t = 2, p = 1, OWASP's parameters) with a random 16-byte salt per hash, over
 * the password peppered with the tenant's secret PRF key: a stolen table cannot be attacked without
 * the tenant's key, and equal passwords in two tenants start from different inputs.
 *
 * <p>Stored form: {@code p1:$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (after {@code p1:} the
 * PHC string of Spring Security's {@code Argon2PasswordEncoder}). A hash without the {@code p1:}
 * prefix (made before tenant keys existed) is still accepted and replaced at the next successful
 * sign-in, as is any hash whose Argon2 parameters are below the current ones.
 *
 * <p>The Argon2 function is the native libargon2 when it loads, BouncyCastle's otherwise
 * ({@code cloudwarden.passwords.implementation}); both compute the same bytes, so a hash made by
 * one verifies with the other. Every computation takes a slot of {@link HashingLimiter} first, so
 * each method here may throw a 503 {@code unavailable} {@link dev.cloudwarden.common.ApiProblem}
 * when the node is saturated. Verification compares in constant time.
 */
@Component
public class PasswordHasher {

    private static final Logger log = LoggerFactory.getLogger(PasswordHasher.class);

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final String PEPPERED = "p1:";

    private final Argon2Function argon2;
    private final HashingLimiter limiter;
    private final SecureRandom random = new SecureRandom();
    private final Argon2Hash dummyHash;
    private final Counter verifications;
    private final Counter hashes;

    @Autowired
    PasswordHasher(PasswordHashingSettings settings, HashingLimiter limiter, MeterRegistry meters) {
        this(select(settings), limiter, meters);
    }

    PasswordHasher(Argon2Function argon2, HashingLimiter limiter, MeterRegistry meters) {
        this.argon2 = argon2;
        this.limiter = limiter;
        this.dummyHash = Argon2Hash.parse(derive("cloudwarden-dummy-password-for-unknown-accounts".getBytes(StandardCharsets.UTF_8)));
        this.verifications = Counter.builder("cloudwarden.password.verifications")
                .description("Argon2id password verifications, including those against the dummy hash")
                .register(meters);
        Gauge.builder("cloudwarden.password.hasher", () -> 1)
                .description("The Argon2id implementation in use (tag implementation: native or java)")
                .tag("implementation", argon2.implementation()).register(meters);
        this.hashes = Counter.builder("cloudwarden.password.hashes")
                .description("Argon2id hashes of new passwords (sign-up, invitation acceptance, reset, upgrades)")
                .register(meters);
    }

    public String hash(TenantKeys keys, Secret password) {
        byte[] input = pepper(keys, password);
        try {
            String hash = PEPPERED + derive(input);
            hashes.increment();
            return hash;
        } finally {
            Arrays.fill(input, (byte) 0);
        }
    }

    public boolean matches(TenantKeys keys, Secret password, String stored) {
        boolean peppered = stored.startsWith(PEPPERED);
        Argon2Hash expected;
        try {
            expected = Argon2Hash.parse(peppered ? stored.substring(PEPPERED.length()) : stored);
        } catch (IllegalArgumentException e) {
            log.warn("A stored password hash is malformed; the sign-in is refused");
            return false;
        }
        byte[] input = peppered ? pepper(keys, password) : password.reveal().getBytes(StandardCharsets.UTF_8);
        try {
            return verify(input, expected);
        } finally {
            Arrays.fill(input, (byte) 0);
        }
    }

    /** Spends the same work as {@link #matches} for an account that does not exist. */
    public void matchDummy(Secret password) {
        byte[] input = password.reveal().getBytes(StandardCharsets.UTF_8);
        try {
            verify(input, dummyHash);
        } finally {
            Arrays.fill(input, (byte) 0);
        }
    }

    public boolean needsUpgrade(String stored) {
        if (!stored.startsWith(PEPPERED)) {
            return true;
        }
        try {
            Argon2Hash h = Argon2Hash.parse(stored.substring(PEPPERED.length()));
            return h.memoryKib() < MEMORY_KIB || h.iterations() < ITERATIONS; // as Argon2PasswordEncoder.upgradeEncoding
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /** {@code native} or {@code java}. */
    public String implementation() {
        return argon2.implementation();
    }

    private boolean verify(byte[] input, Argon2Hash expected) {
        byte[] actual;
        try (HashingLimiter.Slot slot = limiter.acquire()) {
            verifications.increment();
            actual = argon2.compute(input, expected, expected.hash().length);
        }
        return MessageDigest.isEqual(actual, expected.hash());
    }

    /** A new encoded hash (PHC string) at the current parameters with a fresh salt. */
    private String derive(byte[] input) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        Argon2Hash params = new Argon2Hash(Argon2Hash.VERSION_13, MEMORY_KIB, ITERATIONS, PARALLELISM, salt, new byte[HASH_BYTES]);
        try (HashingLimiter.Slot slot = limiter.acquire()) {
            return params.withHash(argon2.compute(input, params, HASH_BYTES)).encode();
        }
    }

    private static byte[] pepper(TenantKeys keys, Secret password) {
        return Base64.getEncoder().encode(keys.keyedHash("password-pepper", password.reveal().getBytes(StandardCharsets.UTF_8)));
    }

    /** The native Argon2 when allowed and loadable, else BouncyCastle; says which in one INFO line. */
    static Argon2Function select(PasswordHashingSettings settings) {
        String parameters = "Argon2id m=" + MEMORY_KIB + " KiB, t=" + ITERATIONS + ", p=" + PARALLELISM
                + ", at most " + settings.maxConcurrentHashes() + " at once";
        if (settings.implementation() == PasswordHashingSettings.Implementation.JAVA) {
            log.info("Password hashing: {} with BouncyCastle's pure-Java Argon2, as configured", parameters);
            return new JavaArgon2();
        }
        try {
            NativeArgon2 loaded = NativeArgon2.load(settings.nativeLibrary());
            log.info("Password hashing: {} with the native libargon2 ({})", parameters, loaded.file());
            return loaded;
        } catch (LinkageError | RuntimeException e) {
            if (settings.implementation() == PasswordHashingSettings.Implementation.NATIVE) {
                throw new IllegalStateException("cloudwarden.passwords.implementation=native, but the native Argon2 library '"
                        + settings.nativeLibrary() + "' is not usable (on Debian: apt-get install libargon2-1)", e);
            }
            log.info("Password hashing: {} with BouncyCastle's pure-Java Argon2; the native library '{}' is not usable ({}; on Debian: apt-get install libargon2-1)",
                    parameters, settings.nativeLibrary(), e.getClass().getSimpleName());
            return new JavaArgon2();
        }
    }
}
