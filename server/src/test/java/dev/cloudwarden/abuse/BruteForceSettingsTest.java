package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.abuse.BruteForceSettings.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lockout arithmetic with the defaults: 5 failures, then 1 min doubling up to 15 min; forgotten after 12 h. */
class BruteForceSettingsTest {

    private final BruteForceSettings defaults = new BruteForceSettings(0, null, null, null);
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theDefaultsAreFiveFailuresAndOneMinuteDoublingToFifteen() {
        assertThat(defaults.maxFailures()).isEqualTo(5);
        List<Duration> waits = new ArrayList<>();
        State state = State.CLEAN;
        Instant now = t0;
        for (int attempt = 1; attempt <= 12; attempt++) {
            assertThat(state.lockedAt(now)).isFalse();
            state = defaults.afterFailure(state, now);
            waits.add(state.lockedUntil() == null ? Duration.ZERO : Duration.between(now, state.lockedUntil()));
            now = state.lockedUntil() == null ? now.plusSeconds(1) : state.lockedUntil(); // the attacker waits it out
        }
        assertThat(waits).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8),
                Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofMinutes(15));
    }

    @Test
    void aLockHoldsUntilItsEnd() {
        State locked = new State(5, t0, t0.plusSeconds(60));
        assertThat(locked.lockedAt(t0.plusSeconds(59))).isTrue();
        assertThat(locked.lockedAt(t0.plusSeconds(60))).isFalse();
    }

    @Test
    void failuresOlderThanTheResetTimeAreForgotten() {
        State four = new State(4, t0, null);
        assertThat(defaults.afterFailure(four, t0.plus(Duration.ofHours(11))).lockedUntil()).as("the fifth within 12 h locks").isNotNull();
        State afresh = defaults.afterFailure(four, t0.plus(Duration.ofHours(13)));
        assertThat(afresh.failures()).isEqualTo(1);
        assertThat(afresh.lockedUntil()).isNull();
    }

    @Test
    void hugeFailureCountsStayAtTheCap() {
        assertThat(defaults.waitAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(15));
        assertThat(defaults.waitAfter(40)).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThatThrownBy(() -> new BruteForceSettings(-1, null, null, null)).hasMessageContaining("max-failures");
        assertThatThrownBy(() -> new BruteForceSettings(5, Duration.ofMinutes(20), Duration.ofMinutes(15), null))
                .hasMessageContaining("first-wait");
        assertThatThrownBy(() -> new BruteForceSettings(5, Duration.ZERO, null, null)).hasMessageContaining("first-wait");
        assertThatThrownBy(() -> new BruteForceSettings(5, null, Duration.ofDays(2), Duration.ofDays(3))).hasMessageContaining("max-wait");
        assertThatThrownBy(() -> new BruteForceSettings(5, null, Duration.ofHours(1), Duration.ofMinutes(30)))
                .hasMessageContaining("reset-after");
        assertThatThrownBy(() -> new BruteForceSettings(1001, null, null, null)).hasMessageContaining("max-failures");
        assertThatThrownBy(() -> new BruteForceSettings(5, null, null, null, Duration.ofMinutes(2), null))
                .hasMessageContaining("in-flight-wait");
        assertThatThrownBy(() -> new BruteForceSettings(5, null, null, null, null, Duration.ofSeconds(1)))
                .hasMessageContaining("in-flight-lease");
    }

    @Test
    void asManyAttemptsMayBeInFlightAsFailuresAreStillAllowedAndAlwaysOne() {
        assertThat(defaults.inFlightWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.inFlightLease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.attemptsInFlightAllowed(State.CLEAN, t0)).isEqualTo(5);
        assertThat(defaults.attemptsInFlightAllowed(new State(3, t0, null), t0.plusSeconds(1))).isEqualTo(2);
        // every one of them failing reaches the limit exactly: 3 + 2 = 5, locked
        State state = new State(3, t0, null);
        for (int i = 0; i < 2; i++) {
            state = defaults.afterFailure(state, t0.plusSeconds(1));
        }
        assertThat(state.lockedAt(t0.plusSeconds(1))).isTrue();
        assertThat(defaults.attemptsInFlightAllowed(new State(7, t0, t0.plusSeconds(60)), t0.plusSeconds(61)))
                .as("after a lock ends, one attempt at a time").isEqualTo(1);
        assertThat(defaults.attemptsInFlightAllowed(new State(4, t0, null), t0.plus(Duration.ofHours(13))))
                .as("stale failures do not count").isEqualTo(5);
    }
}
