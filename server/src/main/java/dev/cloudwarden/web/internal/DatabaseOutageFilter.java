package dev.cloudwarden.web.internal;

import dev.cloudwarden.tenancy.DatabaseAvailability;
import dev.cloudwarden.web.ApiError;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.View;
import org.thymeleaf.spring6.view.ThymeleafViewResolver;

/**
 * The outermost filter: a request that fails because the database is unreachable gets 503
 * {@code unavailable} with {@code Retry-After}, whichever step reached for the database — Spring
 * Session loading the console session, the bearer token lookup, the console's principal check, the
 * MFA gate, form sign-in and its lockout, a controller (ApiExceptionHandler passes outages on to
 * here), or Spring Session saving the session afterwards. One place, so no path answers 500 or
 * logs an error per request; {@link DatabaseAvailability} logs the outage once.
 *
 * <p>API clients get the JSON error; browsers (Accept: text/html, outside /api) get the styled
 * error page. That page is rendered without any session: the session store is the database.
 */
final class DatabaseOutageFilter implements Filter {

    static final String MESSAGE = "The service is temporarily unavailable. Try again in a few seconds.";

    private final DatabaseAvailability availability;
    private final ErrorResponses errors;
    private final ObjectProvider<ThymeleafViewResolver> views;

    DatabaseOutageFilter(DatabaseAvailability availability, ErrorResponses errors, ObjectProvider<ThymeleafViewResolver> views) {
        this.availability = availability;
        this.errors = errors;
        this.views = views;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException e) {
            if (!DatabaseAvailability.isOutage(e) || !(request instanceof HttpServletRequest http)
                    || !(response instanceof HttpServletResponse out)) {
                throw e;
            }
            availability.failed(e);
            if (!out.isCommitted()) {
                unavailable(http, out);
            }
        }
    }

    private void unavailable(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // Start from a clean response: nothing the failed attempt set (a new session cookie, a
        // redirect, half a page) may go out with the 503.
        response.reset();
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(DatabaseAvailability.RETRY_AFTER.toSeconds()));
        SecurityHeaders.write(request, response);
        if (ErrorPages.wantsPage(request) && page(request, response)) {
            return;
        }
        errors.write(response, HttpStatus.SERVICE_UNAVAILABLE.value(), new ApiError("unavailable", MESSAGE));
    }

    /** The console's error page with status 503; false when it cannot be rendered (then the JSON body goes out). */
    private boolean page(HttpServletRequest request, HttpServletResponse response) {
        ThymeleafViewResolver resolver = views.getIfAvailable();
        if (resolver == null) {
            return false;
        }
        try {
            ModelAndView page = ErrorPageController.page(HttpStatus.SERVICE_UNAVAILABLE);
            View view = resolver.resolveViewName(page.getViewName(), Locale.ENGLISH);
            if (view == null) {
                return false;
            }
            response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
            view.render(Map.copyOf(page.getModel()), new WithoutSession(request), response);
            response.flushBuffer();
            return true;
        } catch (Exception e) {
            if (response.isCommitted()) {
                return true; // part of the page is out: nothing better can follow
            }
            response.reset();
            return false;
        }
    }

    /**
     * The request as the error page sees it: no session (looking one up, or creating one for a CSRF
     * token, would go to the database again) and no CSRF token from the failed attempt.
     */
    private static final class WithoutSession extends HttpServletRequestWrapper {

        WithoutSession(HttpServletRequest request) {
            super(request);
        }

        @Override
        public HttpSession getSession(boolean create) {
            if (create) {
                throw new IllegalStateException("no session while the database is unavailable");
            }
            return null;
        }

        @Override
        public HttpSession getSession() {
            return getSession(true);
        }

        @Override
        public Object getAttribute(String name) {
            return CsrfToken.class.getName().equals(name) || "_csrf".equals(name) ? null : super.getAttribute(name);
        }
    }
}
