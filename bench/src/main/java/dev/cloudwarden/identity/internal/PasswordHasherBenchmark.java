package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * One Argon2id password verification through {@link PasswordHasher} at the production parameters
 * (m = 19 MiB, t = 2, p = 1; the hashing limiter at its default of one slot per processor), with the
 * native libargon2 against BouncyCastle's pure-Java Argon2, in the same run, on 1 and on 2 threads:
 * the ratio native/java is what the native library buys per core. Verifications per second.
 * Lives in this package because the constructors it needs are package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PasswordHasherBenchmark {

    @Param({"native", "java"})
    public String implementation;

    private PasswordHasher hasher;
    private final Secret password = Secret.of("violet-harbour-kettle-93");

    @Setup(Level.Trial)
    public void setUp() {
        Argon2Function argon2 = switch (implementation) {
            case "native" -> NativeArgon2.load("argon2"); // fails the run loudly where libargon2-1 is missing
            case "java" -> new JavaArgon2();
            default -> throw new IllegalArgumentException(implementation);
        };
        HashingLimiter limiter = new HashingLimiter(new PasswordHashingSettings(null, null, 0, null), new SimpleMeterRegistry());
        hasher = new PasswordHasher(argon2, limiter, new SimpleMeterRegistry());
    }

    /** The dummy verification: the same Argon2id work as checking a stored hash, without a tenant key. */
    @Benchmark
    @Threads(1)
    public void verifyOneThread() {
        hasher.matchDummy(password);
    }

    @Benchmark
    @Threads(2)
    public void verifyTwoThreads() {
        hasher.matchDummy(password);
    }
}
