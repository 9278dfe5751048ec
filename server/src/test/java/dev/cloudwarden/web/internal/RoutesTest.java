package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.identity.TokenScope;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The route table's facts as each mechanism reads them (the server-level checks are in PermissionMatrixTest and friends). */
class RoutesTest {

    private static Optional<Route> find(String method, String path) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        request.setServletPath(path);
        return Routes.find(request);
    }

    private static RateLimit limit(String method, String path) {
        return find(method, path).flatMap(Route::limit).orElse(null);
    }

    private static TokenScope scope(String method, String path) {
        return find(method, path).flatMap(Route::scope).orElse(null);
    }

    /** A concrete request path for a pattern: each variable becomes a random UUID, each wildcard a file name. */
    static String sample(String pattern) {
        return pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString()).replace("**", "x/y.css");
    }

    @Test
    void everyRouteIsFoundForItsOwnRequestsSoNoEntryShadowsAnother() {
        for (Route route : Routes.ALL) {
            String method = route.method() == null ? "PUT" : route.method().name();
            assertThat(find(method, sample(route.path()))).as(route.toString()).contains(route);
        }
    }

    @Test
    void noRouteIsDeclaredTwice() {
        assertThat(Routes.ALL.stream().map(Route::toString).distinct().count()).isEqualTo(Routes.ALL.size());
    }

    @Test
    void everythingThatCostsAHashSendsMailOrChecksACodeIsLimitedPerAddress() {
        assertThat(limit("POST", "/api/v1/sessions")).isEqualTo(RateLimit.SIGN_IN);
        assertThat(limit("POST", "/login")).isEqualTo(RateLimit.SIGN_IN);
        assertThat(limit("POST", "/api/v1/signup")).isEqualTo(RateLimit.SIGN_UP);
        assertThat(limit("POST", "/signup")).isEqualTo(RateLimit.SIGN_UP);
        assertThat(limit("POST", "/api/v1/email-verifications")).isEqualTo(RateLimit.SIGN_UP);
        assertThat(limit("POST", "/verify-email")).isEqualTo(RateLimit.SIGN_UP);
        assertThat(limit("POST", "/api/v1/password-resets")).isEqualTo(RateLimit.PASSWORD_RESET);
        assertThat(limit("POST", "/api/v1/password-resets/confirm")).isEqualTo(RateLimit.PASSWORD_RESET);
        assertThat(limit("POST", "/password-reset")).isEqualTo(RateLimit.PASSWORD_RESET);
        assertThat(limit("POST", "/password-reset/confirm")).isEqualTo(RateLimit.PASSWORD_RESET);
        assertThat(limit("POST", "/api/v1/invitations/accept")).isEqualTo(RateLimit.INVITATION_ACCEPT);
        assertThat(limit("POST", "/invitations/accept")).isEqualTo(RateLimit.INVITATION_ACCEPT);
        assertThat(limit("POST", "/api/v1/users")).isEqualTo(RateLimit.INVITATION_SEND);
        assertThat(limit("POST", "/console/users/invite")).isEqualTo(RateLimit.INVITATION_SEND);
        assertThat(limit("POST", "/login/mfa")).isEqualTo(RateLimit.MFA);
        assertThat(limit("POST", "/api/v1/mfa/totp/confirm")).isEqualTo(RateLimit.MFA);
        assertThat(limit("DELETE", "/api/v1/mfa/totp")).isEqualTo(RateLimit.MFA);
        assertThat(limit("POST", "/mfa/totp/confirm")).isEqualTo(RateLimit.MFA);
        assertThat(limit("POST", "/mfa/totp/disable")).isEqualTo(RateLimit.MFA);
        assertThat(limit("GET", "/api/v1/activity/export")).isEqualTo(RateLimit.ACTIVITY_EXPORT);
        assertThat(limit("POST", "/console/activity/verify")).isEqualTo(RateLimit.ACTIVITY_EXPORT);
        assertThat(limit("GET", "/console/activity/export")).isEqualTo(RateLimit.ACTIVITY_EXPORT);
        assertThat(limit("POST", "/api/v1/cloud-accounts/" + java.util.UUID.randomUUID() + "/verify")).isEqualTo(RateLimit.CLOUD_SESSIONS);
        assertThat(limit("POST", "/console/cloud-accounts/" + java.util.UUID.randomUUID() + "/sync")).isEqualTo(RateLimit.CLOUD_SESSIONS);
    }

    @Test
    void pagesAndReadsAreNotLimited() {
        assertThat(limit("GET", "/login")).isNull();
        assertThat(limit("GET", "/signup")).isNull();
        assertThat(limit("GET", "/password-reset/confirm")).isNull();
        assertThat(limit("DELETE", "/api/v1/sessions/current")).isNull();
        assertThat(limit("GET", "/api/v1/me")).isNull();
        assertThat(limit("GET", "/api/v1/users")).isNull();
    }

    @Test
    void tokensNeverReachCredentialsFactorsOrNewAccounts() {
        for (String route : new String[] {"GET /api/v1/sessions", "DELETE /api/v1/sessions/current", "DELETE /api/v1/sessions/x",
                "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/x", "POST /api/v1/mfa/totp",
                "POST /api/v1/mfa/totp/confirm", "DELETE /api/v1/mfa/totp", "PATCH /api/v1/settings/security",
                "POST /api/v1/users", "PATCH /api/v1/users/x", "POST /api/v1/password-resets/confirm", "GET /api/v1/nothing/here"}) {
            String[] parts = route.split(" ");
            assertThat(scope(parts[0], parts[1])).as(route).isNull();
        }
    }

    @Test
    void readsNeedReadAndTheRestWrite() {
        assertThat(scope("GET", "/api/v1/me")).isEqualTo(TokenScope.READ);
        assertThat(scope("GET", "/api/v1/users")).isEqualTo(TokenScope.READ);
        assertThat(scope("GET", "/api/v1/users/x")).isEqualTo(TokenScope.READ);
        assertThat(scope("GET", "/api/v1/settings/security")).isEqualTo(TokenScope.READ);
        assertThat(scope("DELETE", "/api/v1/users/x")).isEqualTo(TokenScope.WRITE);
    }

    @Test
    void onlyTheRoutesAUserNeedsToEnrolPassTheMfaGate() {
        assertThat(Routes.ALL.stream().filter(r -> r.beforeMfa() && !r.isPublic()).map(Route::toString)).containsExactlyInAnyOrder(
                "GET /api/v1/me", "DELETE /api/v1/sessions/current", "POST /api/v1/mfa/totp", "POST /api/v1/mfa/totp/confirm",
                "POST /logout", "GET /mfa", "POST /mfa/totp", "POST /mfa/totp/confirm", "GET /mfa/totp", "GET /mfa/totp/confirm");
        assertThat(find("GET", "/api/v1/users").orElseThrow().beforeMfa()).isFalse();
        assertThat(find("GET", "/no/such/page")).isEmpty();
    }
}
