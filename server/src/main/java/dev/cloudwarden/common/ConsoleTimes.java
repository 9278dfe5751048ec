package dev.cloudwarden.common;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.springframework.stereotype.Component;

/**
 * Times as the console writes them (templates/fragments.html, {@code time}): one precision everywhere, in UTC,
 * inside a {@code <time>} whose machine-readable value {@code js/time.js} shows in the reader's own zone. Public, in
 * {@code common}, because a notice built in Java (the operators' "active until …") writes its time with {@link #text}
 * too, and the modules that build them cannot reach into {@code web}.
 */
@Component("consoleTimes")
public class ConsoleTimes {

    private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** For people: to the minute, in UTC (until the script shows it in their zone). */
    public String text(Instant instant) {
        return TEXT.format(instant);
    }

    /** For the {@code datetime} attribute: ISO 8601 to the second, in UTC. */
    public String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
