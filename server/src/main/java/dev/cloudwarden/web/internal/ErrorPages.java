package dev.cloudwarden.web.internal;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.util.StringUtils;
import org.springframework.web.util.UriUtils;

/**
 * Who gets an error as a page rather than as JSON: a browser (it names {@code text/html} in Accept)
 * on a console address, or a client that sends no Accept there. The APIs ({@code /api/**}, and the
 * operators' {@code /ops/api/**} and the agents' {@code /agent/**}) answer
 * JSON whatever the Accept header says, and so does every address to a client that asks for JSON or
 * for anything ({@code *}{@code /*}, as curl does).
 */
final class ErrorPages {

    private ErrorPages() {
    }

    static boolean wantsPage(HttpServletRequest request) {
        return !isApi(request) && acceptsHtml(request.getHeader("Accept"));
    }

    /**
     * Whether the request (for an error dispatch: the request that failed) was addressed to the API,
     * judged on its decoded, normalised path, as the API's security chain matches it
     * ({@code /api/v1/%73essions} is the API too).
     */
    static boolean isApi(HttpServletRequest request) {
        Object failed = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = failed instanceof String uri ? normalised(uri.substring(Math.min(request.getContextPath().length(), uri.length())))
                : request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return path.equals("/api") || path.startsWith("/api/") || path.equals("/ops/api") || path.startsWith("/ops/api/")
                || path.equals("/agent") || path.startsWith("/agent/");
    }

    /** Path parameters dropped, percent-decoded, dot segments resolved; left alone when not decodable. */
    private static String normalised(String rawPath) {
        String path = rawPath.replaceAll(";[^/]*", "");
        try {
            path = UriUtils.decode(path, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // malformed escapes: Tomcat refuses such requests before they get here
        }
        return StringUtils.cleanPath(path);
    }

    /** No Accept at all, or text/html named explicitly (not only through a wildcard). */
    static boolean acceptsHtml(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        try {
            List<MediaType> types = MediaType.parseMediaTypes(accept);
            return types.stream().anyMatch(t -> "text".equals(t.getType()) && "html".equals(t.getSubtype()) && t.getQualityValue() > 0);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }
}
