package dev.cloudwarden.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.ContentSecurityPolicyHeaderWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.PermissionsPolicyHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;

/**
 * The security headers of every answer, declared once. Spring Security's header writer sends them
 * in every chain ({@link SecurityConfiguration}); the error page ({@link ErrorPageController}) sends
 * them too, because an error raised before those chains (the body limit, Tomcat's own refusals) is
 * rendered in an error dispatch, where Spring Security's header writer does not run.
 */
final class SecurityHeaders {

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Spring Security's defaults (content type options, X-XSS-Protection: 0, no caching, HSTS, frame DENY) and ours. */
    private static final List<HeaderWriter> WRITERS = List.of(
            new XContentTypeOptionsHeaderWriter(),
            new XXssProtectionHeaderWriter(),
            new CacheControlHeadersWriter(),
            hsts(),
            new XFrameOptionsHeaderWriter(XFrameOptionsHeaderWriter.XFrameOptionsMode.DENY),
            new ContentSecurityPolicyHeaderWriter(CSP),
            new ReferrerPolicyHeaderWriter(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER),
            new PermissionsPolicyHeaderWriter("camera=(), microphone=(), geolocation=(), payment=()"));

    private SecurityHeaders() {
    }

    static List<HeaderWriter> writers() {
        return WRITERS;
    }

    /** Each writer leaves a header the response already has alone, so writing twice changes nothing. */
    static void write(HttpServletRequest request, HttpServletResponse response) {
        WRITERS.forEach(w -> w.writeHeaders(request, response));
    }

    /** A year, subdomains included; only on HTTPS requests, which are the only ones the server takes. */
    private static HstsHeaderWriter hsts() {
        HstsHeaderWriter hsts = new HstsHeaderWriter();
        hsts.setIncludeSubDomains(true);
        hsts.setMaxAgeInSeconds(31_536_000);
        return hsts;
    }
}
