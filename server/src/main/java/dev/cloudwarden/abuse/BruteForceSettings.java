package dev.cloudwarden.abuse;

import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code cloudwarden.brute-force.*}: when repeated sign-in failures lock an account (or an unknown
 * email) and for how long. After {@code maxFailures} consecutive failures every further failure
 * locks for a wait that starts at {@code firstWait} and doubles, capped at {@code maxWait}, as
 * Keycloak's brute-force detection does. Failures older than {@code resetAfter} are forgotten; a
 * successful sign-in forgets them at once.
 *
 * <p>Attempts whose password is being checked are <em>in flight</em>: as many may be in flight at
 * once as failures are still allowed before a lock (at least one), so parallel guesses cannot pass
 * the limit. A further attempt waits for its turn at most {@code inFlightWait} (then 503). An
 * attempt whose node dies stops counting after {@code inFlightLease}, which must outlast the
 * longest password check (the wait for a hashing slot included).
 */
@ConfigurationProperties("cloudwarden.brute-force")
public record BruteForceSettings(int maxFailures, Duration firstWait, Duration maxWait, Duration resetAfter,
                                 Duration inFlightWait, Duration inFlightLease) {

    @ConstructorBinding
    public BruteForceSettings {
        if (maxFailures == 0) maxFailures = 5;
        if (firstWait == null) firstWait = Duration.ofMinutes(1);
        if (maxWait == null) maxWait = Duration.ofMinutes(15);
        if (resetAfter == null) resetAfter = Duration.ofHours(12);
        if (inFlightWait == null) inFlightWait = Duration.ofSeconds(5);
        if (inFlightLease == null) inFlightLease = Duration.ofSeconds(30);
        if (maxFailures < 1 || maxFailures > 1000) {
            throw new IllegalArgumentException("cloudwarden.brute-force.max-failures must be between 1 and 1000");
        }
        if (inFlightWait.isNegative() || inFlightWait.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("cloudwarden.brute-force.in-flight-wait must be between 0 and 1 minute");
        }
        if (inFlightLease.compareTo(Duration.ofSeconds(5)) < 0 || inFlightLease.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("cloudwarden.brute-force.in-flight-lease must be between 5 seconds and 1 hour");
        }
        if (firstWait.isNegative() || firstWait.isZero() || maxWait.compareTo(firstWait) < 0) {
            throw new IllegalArgumentException("cloudwarden.brute-force.first-wait must be positive and at most max-wait");
        }
        if (maxWait.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("cloudwarden.brute-force.max-wait must be at most one day");
        }
        if (resetAfter.compareTo(maxWait) < 0) {
            throw new IllegalArgumentException("cloudwarden.brute-force.reset-after must be at least max-wait");
        }
    }

    /** The defaults for the in-flight settings (tests of the lockout arithmetic). */
    public BruteForceSettings(int maxFailures, Duration firstWait, Duration maxWait, Duration resetAfter) {
        this(maxFailures, firstWait, maxWait, resetAfter, null, null);
    }

    /** The lock state of one account or unknown email; {@code failures} counts consecutive failed attempts. */
    public record State(int failures, Instant lastFailureAt, Instant lockedUntil) {

        static final State CLEAN = new State(0, null, null);

        boolean lockedAt(Instant now) {
            return lockedUntil != null && now.isBefore(lockedUntil);
        }
    }

    /**
     * The state after one more attempt that is counted as failed (it is, unless it succeeds and the
     * state is cleared). Call only when not {@link State#lockedAt locked}.
     */
    State afterFailure(State state, Instant now) {
        int failures = failuresAt(state, now) + 1;
        Instant lockedUntil = failures >= maxFailures ? now.plus(waitAfter(failures)) : null;
        return new State(failures, now, lockedUntil);
    }

    /**
     * How many attempts may be in flight at once in {@code state}: the failures still allowed before
     * a lock, so that even if every one of them fails the count reaches the limit and no further; at
     * least one, so that after a lock ends the next attempt can run (and a wrong one locks again).
     */
    int attemptsInFlightAllowed(State state, Instant now) {
        return Math.max(1, maxFailures - failuresAt(state, now));
    }

    /** The consecutive failures that still count at {@code now} (none once the last is older than reset-after). */
    private int failuresAt(State state, Instant now) {
        boolean stale = state.lastFailureAt() == null || state.lastFailureAt().plus(resetAfter).isBefore(now);
        return stale ? 0 : state.failures();
    }

    /** The lock after the {@code failures}-th consecutive failure: none before max-failures, then doubling up to the cap. */
    Duration waitAfter(int failures) {
        int doublings = failures - maxFailures;
        if (doublings < 0) {
            return Duration.ZERO;
        }
        if (doublings >= 30) {
            return maxWait;
        }
        Duration wait = firstWait.multipliedBy(1L << doublings);
        return wait.compareTo(maxWait) > 0 ? maxWait : wait;
    }
}
