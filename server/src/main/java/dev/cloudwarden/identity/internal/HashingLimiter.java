package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * At most {@code cloudwarden.passwords.max-concurrent-hashes} Argon2 computations at once on this
 * node (one per core by default), as Keycloak does: more at once only share the cores and multiply
 * the 19 MiB each one holds, so every login gets slower. The rest wait in arrival order for at most
 * {@code max-queue-wait}, then get a 503 {@code unavailable} with {@code Retry-After}.
 *
 * <p>Metrics: {@code cloudwarden.password.hashing.active} and {@code .waiting} (gauges),
 * {@code cloudwarden.password.hashing.rejected} (counter of 503s).
 */
@Component
class HashingLimiter {

    static final String BUSY = "The server is busy checking other passwords. Try again in a moment.";

    private final Semaphore permits;
    private final int maxConcurrent;
    private final Duration maxWait;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final Counter rejected;

    HashingLimiter(PasswordHashingSettings settings, MeterRegistry meters) {
        this.maxConcurrent = settings.maxConcurrentHashes();
        this.permits = new Semaphore(maxConcurrent, true);
        this.maxWait = settings.maxQueueWait();
        Gauge.builder("cloudwarden.password.hashing.active", active, AtomicInteger::get)
                .description("Argon2 computations running now").register(meters);
        Gauge.builder("cloudwarden.password.hashing.waiting", waiting, AtomicInteger::get)
                .description("Argon2 computations waiting for a free slot").register(meters);
        this.rejected = Counter.builder("cloudwarden.password.hashing.rejected")
                .description("Requests refused with 503 because no hashing slot freed up in time").register(meters);
    }

    /** A hashing slot, held until {@link #close}. */
    final class Slot implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                active.decrementAndGet();
                permits.release();
            }
        }
    }

    /** Waits for a free slot, at most max-queue-wait; then throws 503 {@code unavailable} with Retry-After. */
    Slot acquire() {
        waiting.incrementAndGet();
        boolean acquired;
        try {
            acquired = permits.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        } finally {
            waiting.decrementAndGet();
        }
        if (!acquired) {
            rejected.increment();
            throw ApiProblem.unavailable(BUSY, maxWait.isZero() ? Duration.ofSeconds(1) : maxWait);
        }
        peak.accumulateAndGet(active.incrementAndGet(), Math::max);
        return new Slot();
    }

    int maxConcurrent() {
        return maxConcurrent;
    }

    /** The most computations seen at once since the last reset (a test hook). */
    int peakAndReset() {
        return peak.getAndSet(active.get());
    }
}
