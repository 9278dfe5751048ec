package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api.Response;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two tenants signed up through the API: neither can read, change or even detect the other's objects. */
class TenantIsolationApiTest extends IntegrationTest {

    private Api.Tenant a;
    private Api.Tenant b;

    @BeforeEach
    void twoTenants() {
        a = api.signUpAndSignIn("Tenant A");
        b = api.signUpAndSignIn("Tenant B");
    }

    @Test
    void listsShowOnlyTheCallersTenant() {
        List<String> seenByB = ids(api.get("/api/v1/users", b.token()));
        assertThat(seenByB).containsExactly(b.userId().toString());
        List<String> seenByA = ids(api.get("/api/v1/users", a.token()));
        assertThat(seenByA).containsExactly(a.userId().toString());
        assertThat(api.get("/api/v1/me", b.token()).json().get("tenantId").asString()).isEqualTo(b.tenantId().toString());
    }

    @Test
    void everyReadAndWriteOfAForeignIdIsTheSame404AsAnUnknownId() throws Exception {
        String foreign = "/api/v1/users/" + a.userId();
        String unknown = "/api/v1/users/" + UUID.randomUUID();
        String snapshot = userRowBehindRls(a.userId());

        List<Response> foreignAnswers = List.of(
                api.get(foreign, b.token()),
                api.patch(foreign, Map.of("role", "VIEWER"), b.token()),
                api.delete(foreign, b.token()));
        List<Response> unknownAnswers = List.of(
                api.get(unknown, b.token()),
                api.patch(unknown, Map.of("role", "VIEWER"), b.token()),
                api.delete(unknown, b.token()));

        for (int i = 0; i < foreignAnswers.size(); i++) {
            assertThat(foreignAnswers.get(i).status()).isEqualTo(404);
            assertThat(foreignAnswers.get(i).body()).isEqualTo(unknownAnswers.get(i).body());
            assertThat(foreignAnswers.get(i).body()).isEqualTo("{\"error\":\"not_found\",\"message\":\"No such resource.\"}");
        }
        assertThat(userRowBehindRls(a.userId())).isEqualTo(snapshot);
        // the owner of A still works normally
        assertThat(api.get(foreign, a.token()).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/me", a.token()).json().get("role").asString()).isEqualTo("OWNER");
    }

    @Test
    void malformedIdsAreAnsweredLikeUnknownOnes() {
        for (String id : new String[] {"123", "not-a-uuid", "' or '1'='1", a.userId() + "x"}) {
            Response r = api.get("/api/v1/users/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8), b.token());
            assertThat(r.status()).as(id).isEqualTo(404);
            assertThat(r.json().get("error").asString()).isEqualTo("not_found");
        }
    }

    @Test
    void aTokenCannotBeReplayedAgainstAnotherTenantBySwappingItsTenantPart() {
        // The token carries its tenant id; moving B's secret part under A's tenant id finds nothing.
        byte[] raw = java.util.Base64.getUrlDecoder().decode(b.token().substring(4));
        java.nio.ByteBuffer.wrap(raw).putLong(a.tenantId().getMostSignificantBits()).putLong(a.tenantId().getLeastSignificantBits());
        String forged = "cws_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThat(api.get("/api/v1/me", forged).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/me", b.token()).status()).isEqualTo(200);
    }

    private static List<String> ids(Response r) {
        assertThat(r.status()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        r.json().forEach(u -> ids.add(u.get("id").asString()));
        return ids;
    }

    /** The row as a superuser sees it, to prove a refused write changed nothing. */
    private static String userRowBehindRls(UUID id) throws Exception {
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("select email, role, status, password_hash from users where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4);
            }
        }
    }
}
