package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 9116: served publicly as text/plain with the required and recommended fields. */
class SecurityTxtTest extends IntegrationTest {

    @Test
    void securityTxtFollowsRfc9116() {
        Api.Response r = api.get("/.well-known/security.txt", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain").contains("charset=utf-8");
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> contacts = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] kv = line.split(": ", 2);
                assertThat(kv).as(line).hasSize(2);
                if (kv[0].equals("Contact")) {
                    contacts.add(kv[1]); // RFC 9116 2.5.3: may appear more than once, in order of preference
                } else {
                    assertThat(fields.put(kv[0], kv[1])).as("Expires and friends appear once").isNull();
                }
            }
        }
        assertThat(fields).containsKeys("Expires", "Policy", "Preferred-Languages", "Canonical");
        assertThat(contacts).allMatch(c -> c.matches("(mailto:|https://).+"));
        assertThat(contacts).as("the configured contact first, then the report form").hasSize(2);
        assertThat(contacts.get(0)).startsWith("mailto:");
        assertThat(contacts.get(1)).startsWith("https://").endsWith("/security/report");
        assertThat(api.get(java.net.URI.create(contacts.get(1)).getPath(), null).status()).as("the form answers").isEqualTo(200);
        Instant expires = Instant.parse(fields.get("Expires"));
        assertThat(expires).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofDays(365)));
        assertThat(fields.get("Policy")).startsWith("https://");
        assertThat(fields.get("Canonical")).startsWith("https://").endsWith("/.well-known/security.txt");
        assertThat(api.get("/security-policy", null).status()).isEqualTo(200);
    }
}
