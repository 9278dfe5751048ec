package dev.cloudwarden.operator;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.security.web.AuthenticationEntryPoint;

/** What the web layer's {@code /ops} security chain gets from this module, and all it gets. */
public interface OperatorWeb {

    /**
     * Whether a request is for the operators' API ({@code /ops/api/**}), judged on its decoded path as routing
     * sees it ({@code /ops/ap%69/} is the API too): there only bearer tokens count and CSRF does not apply.
     */
    static boolean isApi(HttpServletRequest request) {
        String path = URL_PATHS.getPathWithinApplication(request);
        return path.equals("/ops/api") || path.startsWith("/ops/api/");
    }

    /** Decodes and normalises like request mapping does. */
    org.springframework.web.util.UrlPathHelper URL_PATHS = new org.springframework.web.util.UrlPathHelper();

    /** The operators' console session cookie: host-only, Secure, HttpOnly, SameSite=Strict; never read outside {@code /ops}. */
    String SESSION_COOKIE = "__Host-cloudwarden-ops";

    /** A read of one tenant's data that a route declares: the grant scope it needs and the tenant id in its path. */
    record GrantedRead(AccessScope scope, String tenantId, String route) {
    }

    /** How a refused request is answered (the same 404 for no grant, another tenant and no tenant). */
    @FunctionalInterface
    interface Refusal {
        void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    /**
     * Signs an operator in for one request: from a bearer token on {@code /ops/api}, from the session cookie
     * on console pages (never the other way round, so no cookie authenticates an API call). A presented but
     * dead token is refused with {@code unauthorized}; a dead cookie is cleared and the page asks to sign in.
     */
    Filter authentication(AuthenticationEntryPoint unauthorized);

    /**
     * The grant gate, after authorization: a route that reads a tenant's data ({@code requiredGrant}) runs only
     * for an operator holding an active grant of that scope for that tenant; the read is recorded in the
     * tenant's history, then the rest of the request runs in a read-only scope of that tenant. Anything else
     * is refused with {@code notFound}.
     */
    Filter grantGate(Function<HttpServletRequest, Optional<GrantedRead>> requiredGrant, Refusal notFound);
}
