package dev.cloudwarden.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The test clock: frozen it stands still, advanced it moves exactly, released it never goes back. */
class TestClockTest {

    @Test
    void freezeAdvanceRelease() throws Exception {
        TestClock clock = new TestClock();
        Instant before = Instant.now();
        Instant frozen = clock.freeze();
        assertThat(frozen).isAfterOrEqualTo(before);
        Thread.sleep(5);
        assertThat(clock.instant()).isEqualTo(frozen).isEqualTo(clock.freeze());
        assertThat(clock.advance(Duration.ofMinutes(1))).isEqualTo(frozen.plus(Duration.ofMinutes(1)));
        assertThat(clock.nextTotpStep()).isEqualTo(TestTotp.step(frozen.plus(Duration.ofSeconds(90))));
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);

        clock.release();
        Instant running = clock.instant();
        assertThat(running).as("runs on from where it stood, 90 s ahead").isAfterOrEqualTo(frozen.plusSeconds(90));
        Thread.sleep(5);
        assertThat(clock.instant()).isAfter(running);
        assertThat(clock.withZone(java.time.ZoneId.of("Europe/Paris")).instant()).isAfterOrEqualTo(running);
    }
}
