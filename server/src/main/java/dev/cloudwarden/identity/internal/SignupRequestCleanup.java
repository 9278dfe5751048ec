package dev.cloudwarden.identity.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes sign-up requests nobody verified within 24 hours, every hour (and once at start). */
@Component
@ConditionalOnWebApplication // not in command-line runs
class SignupRequestCleanup {

    private static final Logger log = LoggerFactory.getLogger(SignupRequestCleanup.class);

    private final SignUpService signUps;

    SignupRequestCleanup(SignUpService signUps) {
        this.signUps = signUps;
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1H")
    void deleteExpired() {
        try {
            int deleted = signUps.deleteExpiredRequests();
            if (deleted > 0) {
                log.info("Deleted {} expired sign-up requests", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("Could not delete expired sign-up requests ({})", e.getClass().getSimpleName());
        }
    }
}
