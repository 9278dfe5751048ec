package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a console session leaves in the database: JSON of ids, never a Java-serialised object, never
 * the user's email; and the principal a request sees is the user as stored now.
 */
class ConsoleSessionStorageTest extends IntegrationTest {

    @Test
    void sessionAttributesAreJsonOfIdsWithoutEmailOrJavaSerialisation() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Stored Session Org");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        // a flash message, so the redirect's flash map is stored too
        String invitee = Api.uniqueEmail("flash");
        Api.Response invited = console.submit("/console/users", "/console/users/invite", Map.of("email", invitee, "role", "VIEWER"));
        assertThat(invited.status()).isEqualTo(302);

        Map<String, byte[]> attributes = attributesOf(console.sessionCookie());
        assertThat(attributes).isNotEmpty();
        Set<String> kinds = new java.util.TreeSet<>();
        for (Map.Entry<String, byte[]> a : attributes.entrySet()) {
            byte[] bytes = a.getValue();
            assertThat(bytes.length > 1 && (bytes[0] & 0xff) == 0xac && (bytes[1] & 0xff) == 0xed)
                    .as(a.getKey() + " is not a Java serialisation stream").isFalse();
            String text = new String(bytes, StandardCharsets.UTF_8);
            assertThat(text).as(a.getKey()).startsWith("{").doesNotContain(t.email()).doesNotContain("Stored Session Org");
            kinds.add(Api.JSON.readTree(text).get("kind").asString());
        }
        assertThat(kinds).contains("principal", "csrf", "flash");
        String principal = attributes.values().stream().map(b -> new String(b, StandardCharsets.UTF_8))
                .filter(s -> s.contains("\"principal\"")).findFirst().orElseThrow();
        assertThat(Api.JSON.readTree(principal).propertyNames()).containsExactlyInAnyOrder("kind", "userId", "tenantId", "role");

        // the page still knows who is signed in: loaded from the database on each request
        Api.Response page = console.get("/console");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains(t.email()).contains("Stored Session Org");
    }

    @Test
    void theCodecRefusesWhatItDoesNotKnowBothWays() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsoleSessionAttributes.encode(new java.util.ArrayList<>(java.util.List.of("x"))))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsoleSessionAttributes.encode(java.time.Instant.now()))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsoleSessionAttributes.decode("{\"kind\":\"bean\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] javaSerialised = {(byte) 0xac, (byte) 0xed, 0, 5, 0x74, 0, 1, 0x78};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsoleSessionAttributes.decode(javaSerialised)).isInstanceOf(RuntimeException.class);
    }

    private static Map<String, byte[]> attributesOf(String cookie) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update("cloudwarden:console-session:v1:".getBytes(StandardCharsets.US_ASCII));
        String stored = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256.digest(cookie.getBytes(StandardCharsets.UTF_8)));
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                select a.attribute_name, a.attribute_bytes from spring_session_attributes a
                join spring_session s on s.primary_id = a.session_primary_id where s.session_id = ?""")) {
            ps.setString(1, stored);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attributes.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        return attributes;
    }
}
