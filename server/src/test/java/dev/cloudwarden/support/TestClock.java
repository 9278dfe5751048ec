package dev.cloudwarden.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The server's {@link Clock} in tests (it replaces the platform's clock bean in every
 * {@link IntegrationTest} context). It follows the wall clock until a test {@link #freeze()}s it; from
 * then on it moves only when the test {@link #advance}s it, so a test can compute the TOTP code of
 * "now" or of "the next step", or end a back-off, without waiting. After each test
 * {@link IntegrationTest} lets it run again from where it stood: it never goes backwards.
 */
public final class TestClock extends Clock {

    /** {@code frozen} is null while the clock runs; {@code ahead} is how far it runs ahead of the wall clock. */
    private record State(Instant frozen, Duration ahead) {
    }

    private final AtomicReference<State> state = new AtomicReference<>(new State(null, Duration.ZERO));

    @Override
    public Instant instant() {
        State s = state.get();
        return s.frozen() != null ? s.frozen() : Instant.now().plus(s.ahead());
    }

    /** Stops the clock at its current reading (a frozen clock stays where it is) and returns that instant. */
    public Instant freeze() {
        return state.updateAndGet(s -> s.frozen() != null ? s : new State(Instant.now().plus(s.ahead()), s.ahead())).frozen();
    }

    /** Freezes the clock if it runs, then moves it forward by {@code by}; returns the new reading. */
    public Instant advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("time only moves forward");
        }
        freeze();
        return state.updateAndGet(s -> new State(s.frozen().plus(by), s.ahead())).frozen();
    }

    /** Freezes the clock (if it runs) and returns its TOTP time step: every code of that step stays valid until the test moves on. */
    public long freezeTotpStep() {
        return TestTotp.step(freeze());
    }

    /** Moves the frozen clock one TOTP step (30 s) on and returns the new step. */
    public long nextTotpStep() {
        return TestTotp.step(advance(TestTotp.STEP));
    }

    /**
     * Runs with the wall clock again, as at start: for a test that moved the clock hours on, which the
     * next tests sharing the server must not inherit (a sign-up request, say, must expire within 25 hours
     * of the database's own clock). The server sees time go back once.
     */
    public void reset() {
        state.set(new State(null, Duration.ZERO));
    }

    /** Lets the clock run again, from its frozen reading if that is ahead of where it would otherwise be. */
    public void release() {
        state.updateAndGet(s -> {
            if (s.frozen() == null) {
                return s;
            }
            Duration ahead = Duration.between(Instant.now(), s.frozen());
            return new State(null, ahead.compareTo(s.ahead()) > 0 ? ahead : s.ahead());
        });
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        TestClock source = this;
        return new Clock() {
            @Override
            public Instant instant() {
                return source.instant();
            }

            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return source.withZone(other);
            }
        };
    }

    /** Registers the test clock as the server's clock (imported by {@link IntegrationTest}). */
    @TestConfiguration(proxyBeanMethods = false)
    public static class Configuration {
        @Bean
        @Primary
        TestClock testClock() {
            return new TestClock();
        }
    }
}
