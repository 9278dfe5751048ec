package dev.cloudwarden.common;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Time is a dependency: expiry, TOTP steps, lockouts and retention read this clock, so tests move
 * time instead of sleeping. Periodic housekeeping ({@code @Scheduled}) is on; every such task is
 * idempotent, so each node may run it.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class TimeConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
