package dev.cloudwarden.web.internal;

import dev.cloudwarden.common.CloudwardenProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** RFC 9116 security.txt: where and how to report a vulnerability. */
@RestController
class SecurityTxtController {

    private static final MediaType TEXT = MediaType.parseMediaType("text/plain; charset=utf-8");

    private final CloudwardenProperties properties;
    private final Clock clock;

    SecurityTxtController(CloudwardenProperties properties) {
        this.properties = properties;
        this.clock = Clock.systemUTC();
    }

    @GetMapping("/.well-known/security.txt")
    ResponseEntity<String> securityTxt() {
        // RFC 9116 recommends an expiry less than a year ahead; it moves with each start of the server's day.
        Instant expires = Instant.now(clock).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(180));
        String base = properties.publicUrl();
        // RFC 9116 2.5.3: Contact lines in order of preference; the mail first, then the report form
        String body = "Contact: " + properties.securityContact() + "\n"
                + "Contact: " + base + "/security/report\n"
                + "Expires: " + expires + "\n"
                + "Policy: " + base + "/security-policy\n"
                + "Preferred-Languages: en\n"
                + "Canonical: " + base + "/.well-known/security.txt\n";
        return ResponseEntity.ok().contentType(TEXT).body(body);
    }
}
