package dev.cloudwarden.common;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The platform's one clock. Code that computes with time (TOTP steps, back-offs, expiries) takes
 * this {@link Clock} instead of reading the system clock, so tests move time instead of waiting for it.
 */
@Configuration(proxyBeanMethods = false)
public class TimeConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
