package dev.cloudwarden.abuse;

import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.brute-force.*}: when repeated sign-in failures lock an account (or an unknown
 * email) and for how long. After {@code maxFailures} consecutive failures every further failure
 * locks for a wait that starts at {@code firstWait} and doubles, capped at {@code maxWait}, as
 * Keycloak's brute-force detection does. Failures older than {@code resetAfter} are forgotten; a
 * successful sign-in forgets them at once.
 */
@ConfigurationProperties("cloudwarden.brute-force")
public record BruteForceSettings(int maxFailures, Duration firstWait, Duration maxWait, Duration resetAfter) {

    public BruteForceSettings {
        if (maxFailures == 0) maxFailures = 5;
        if (firstWait == null) firstWait = Duration.ofMinutes(1);
        if (maxWait == null) maxWait = Duration.ofMinutes(15);
        if (resetAfter == null) resetAfter = Duration.ofHours(12);
        if (maxFailures < 1) {
            throw new IllegalArgumentException("cloudwarden.brute-force.max-failures must be at least 1");
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
        boolean stale = state.lastFailureAt() == null || state.lastFailureAt().plus(resetAfter).isBefore(now);
        int failures = stale ? 1 : state.failures() + 1;
        Instant lockedUntil = failures >= maxFailures ? now.plus(waitAfter(failures)) : null;
        return new State(failures, now, lockedUntil);
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
