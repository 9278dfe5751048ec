package dev.cloudwarden.operator.internal;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code cloudwarden.operators.*} (docs/operators.md).
 *
 * @param sessionIdle     an operator session ends after this long without a request (15 minutes)
 * @param sessionLifetime and after this long whatever happens (8 hours)
 * @param enrolmentLink   how long the link `operator create` prints stays usable (24 hours)
 * @param maxGrant        the longest access grant a request may ask for (8 hours, also the database's limit)
 * @param lockoutFailures failed sign-ins in a row before the operator is locked out for {@code lockout}
 * @param lockout         how long a lockout lasts
 */
@ConfigurationProperties("cloudwarden.operators")
record OperatorSettings(Duration sessionIdle, Duration sessionLifetime, Duration enrolmentLink, Duration maxGrant, int lockoutFailures,
                        Duration lockout) {

    static final Duration LONGEST_GRANT = Duration.ofHours(8);
    static final Duration SHORTEST_GRANT = Duration.ofMinutes(15);

    @ConstructorBinding
    OperatorSettings {
        if (sessionIdle == null) sessionIdle = Duration.ofMinutes(15);
        if (sessionLifetime == null) sessionLifetime = Duration.ofHours(8);
        if (enrolmentLink == null) enrolmentLink = Duration.ofHours(24);
        if (maxGrant == null) maxGrant = LONGEST_GRANT;
        if (lockoutFailures == 0) lockoutFailures = 5;
        if (lockout == null) lockout = Duration.ofMinutes(15);
        if (sessionIdle.isNegative() || sessionIdle.isZero() || sessionIdle.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException("cloudwarden.operators.session-idle must be above zero and at most 30 minutes");
        }
        if (sessionLifetime.compareTo(sessionIdle) < 0 || sessionLifetime.compareTo(Duration.ofHours(12)) > 0) {
            throw new IllegalArgumentException("cloudwarden.operators.session-lifetime must be between session-idle and 12 hours");
        }
        if (maxGrant.compareTo(SHORTEST_GRANT) < 0 || maxGrant.compareTo(LONGEST_GRANT) > 0) {
            throw new IllegalArgumentException("cloudwarden.operators.max-grant must be between 15 minutes and 8 hours");
        }
        if (enrolmentLink.isNegative() || enrolmentLink.isZero() || enrolmentLink.compareTo(Duration.ofHours(72)) > 0) {
            throw new IllegalArgumentException("cloudwarden.operators.enrolment-link must be above zero and at most 72 hours");
        }
        if (lockoutFailures < 1 || lockout.isNegative() || lockout.isZero()) {
            throw new IllegalArgumentException("cloudwarden.operators.lockout-failures and lockout must be positive");
        }
    }
}
