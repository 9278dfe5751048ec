package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.abuse.RateLimitFilter.Group;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Which requests count against which per-address limit (RateLimitFilter.RULES). */
class RateLimitRulesTest {

    private static Group group(String method, String path) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        request.setServletPath(path);
        return RateLimitFilter.groupOf(request);
    }

    @Test
    void signInSignUpPasswordResetAndMfaAreLimited() {
        assertThat(group("POST", "/api/v1/sessions")).isEqualTo(Group.SIGN_IN);
        assertThat(group("POST", "/login")).isEqualTo(Group.SIGN_IN);
        assertThat(group("POST", "/api/v1/signup")).isEqualTo(Group.SIGN_UP);
        assertThat(group("POST", "/signup")).isEqualTo(Group.SIGN_UP);
        assertThat(group("POST", "/api/v1/password-resets")).isEqualTo(Group.PASSWORD_RESET);
        assertThat(group("POST", "/api/v1/password-resets/abc/confirm")).isEqualTo(Group.PASSWORD_RESET);
        assertThat(group("PUT", "/api/v1/password-resets/abc")).isEqualTo(Group.PASSWORD_RESET);
        assertThat(group("POST", "/api/v1/mfa/totp")).isEqualTo(Group.MFA);
        assertThat(group("POST", "/api/v1/mfa/totp/confirm")).isEqualTo(Group.MFA);
        assertThat(group("DELETE", "/api/v1/mfa/totp")).isEqualTo(Group.MFA);
    }

    @Test
    void everythingElseIsNot() {
        assertThat(group("GET", "/login")).isNull();
        assertThat(group("GET", "/signup")).isNull();
        assertThat(group("DELETE", "/api/v1/sessions/current")).isNull();
        assertThat(group("GET", "/api/v1/me")).isNull();
        assertThat(group("GET", "/api/v1/mfa/totp")).isNull();
        assertThat(group("GET", "/api/v1/password-resets/abc")).isNull();
        assertThat(group("POST", "/api/v1/users")).isNull();
    }
}
