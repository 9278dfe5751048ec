package dev.cloudwarden.identity.internal;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.passwords.*}: which Argon2id implementation computes password hashes, and how
 * many may run at once.
 *
 * @param implementation       {@code auto} (the default): the native libargon2 when it loads and
 *                             passes its self-test, otherwise BouncyCastle's pure-Java Argon2;
 *                             {@code native}: refuse to start without the native library;
 *                             {@code java}: always BouncyCastle
 * @param nativeLibrary        the library name or path handed to JNA (default {@code argon2}, which
 *                             finds Debian's {@code libargon2.so.1})
 * @param maxConcurrentHashes  Argon2 computations at once on this node (each holds 19 MiB and a core
 *                             for its whole run); 0, the default, means one per available processor
 * @param maxQueueWait         how long a sign-in, sign-up, invitation acceptance or reset waits for a
 *                             free slot before it answers 503 {@code unavailable} with Retry-After
 */
@ConfigurationProperties("cloudwarden.passwords")
public record PasswordHashingSettings(Implementation implementation, String nativeLibrary, int maxConcurrentHashes,
                                      Duration maxQueueWait) {

    public enum Implementation { AUTO, NATIVE, JAVA }

    public PasswordHashingSettings {
        if (implementation == null) implementation = Implementation.AUTO;
        if (nativeLibrary == null || nativeLibrary.isBlank()) nativeLibrary = "argon2";
        if (maxConcurrentHashes == 0) maxConcurrentHashes = Runtime.getRuntime().availableProcessors();
        if (maxQueueWait == null) maxQueueWait = Duration.ofSeconds(3);
        if (maxConcurrentHashes < 1) {
            throw new IllegalArgumentException("cloudwarden.passwords.max-concurrent-hashes must be positive (or 0 for one per processor)");
        }
        if (maxQueueWait.isNegative() || maxQueueWait.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("cloudwarden.passwords.max-queue-wait must be between 0 and 1 minute");
        }
    }
}
