package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The scope → endpoint mapping of personal access tokens (docs/api-tokens.md), one request at a time. */
class TokenScopeTest {

    private static boolean permits(Set<TokenScope> scopes, String method, String path) {
        return TokenScope.permits(scopes, new MockHttpServletRequest(method, path));
    }

    @Test
    void readIsGetAndHeadOnly() {
        Set<TokenScope> read = EnumSet.of(TokenScope.READ);
        assertThat(permits(read, "GET", "/api/v1/users")).isTrue();
        assertThat(permits(read, "HEAD", "/api/v1/me")).isTrue();
        for (String method : new String[] {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}) {
            assertThat(permits(read, method, "/api/v1/users/x")).as(method).isFalse();
        }
        assertThat(permits(read, "POST", "/api/v1/jobs/1/runs")).isFalse();
    }

    @Test
    void writeIsEverythingButCredentials() {
        Set<TokenScope> write = EnumSet.of(TokenScope.WRITE);
        assertThat(permits(write, "GET", "/api/v1/users")).isTrue();
        assertThat(permits(write, "PATCH", "/api/v1/users/x")).isTrue();
        assertThat(permits(write, "POST", "/api/v1/jobs/1/runs")).isTrue();
    }

    @Test
    void jobsRunIsStartingARunOnly() {
        Set<TokenScope> jobs = EnumSet.of(TokenScope.JOBS_RUN);
        assertThat(permits(jobs, "POST", "/api/v1/jobs/0b8f/runs")).isTrue();
        assertThat(permits(jobs, "GET", "/api/v1/jobs/0b8f/runs")).isFalse();
        assertThat(permits(jobs, "POST", "/api/v1/jobs")).isFalse();
        assertThat(permits(jobs, "POST", "/api/v1/jobs/0b8f/runs/1")).isFalse();
        assertThat(permits(jobs, "POST", "/api/v1/jobs/a/b/runs")).isFalse();
        assertThat(permits(jobs, "DELETE", "/api/v1/jobs/0b8f")).isFalse();
    }

    @Test
    void noScopeReachesSessionsOrTokens() {
        Set<TokenScope> all = EnumSet.allOf(TokenScope.class);
        for (String path : new String[] {"/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/sessions/x", "/api/v1/tokens",
                "/api/v1/tokens/", "/api/v1/tokens/x"}) {
            for (String method : new String[] {"GET", "POST", "DELETE"}) {
                assertThat(permits(all, method, path)).as(method + " " + path).isFalse();
            }
        }
        assertThat(permits(EnumSet.noneOf(TokenScope.class), "GET", "/api/v1/me")).isFalse();
    }

    @Test
    void scopeNamesAreExact() {
        assertThat(TokenScope.of("jobs:run")).contains(TokenScope.JOBS_RUN);
        assertThat(TokenScope.of("READ")).isEmpty();
        assertThat(TokenScope.of(" read")).isEmpty();
        assertThat(TokenScope.of("JOBS_RUN")).isEmpty();
    }
}
