package dev.cloudwarden.common;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The platform's one clock. Code that computes with time (TOTP steps, back-offs, expiries) takes
 * this {@link Clock} instead of reading the system clock, so tests move time instead of waiting for
 * it. Periodic housekeeping ({@code @Scheduled}) is on; every such task is idempotent, so each node
 * may run it.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
public class TimeConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
