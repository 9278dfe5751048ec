package dev.cloudwarden.web.internal;

import dev.cloudwarden.web.ApiError;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * Replaces Spring Boot's error page for errors raised outside Spring MVC (filters, the container,
 * {@code sendError}): JSON {@link ApiError} for API clients, the styled page with a way back for
 * browsers on console addresses ({@link ErrorPages}), never exception details. Both carry the
 * security headers, written here: Spring Security's header writer does not run in an error dispatch,
 * and an error raised before its chains (the body limit, Tomcat) has none yet. Opened directly,
 * {@code /error} is just an address that does not exist: 404.
 */
@Controller
class ErrorPageController implements ErrorController {

    private final ErrorResponses errors;

    ErrorPageController(ErrorResponses errors) {
        this.errors = errors;
    }

    /** One answer for every error, chosen by the same rule as errors inside Spring MVC ({@link ErrorPages}). */
    @RequestMapping("/error")
    ModelAndView error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SecurityHeaders.write(request, response);
        HttpStatus status = status(request);
        if (!ErrorPages.wantsPage(request)) {
            errors.write(response, status.value(), error(status));
            return null; // answered
        }
        return page(status);
    }

    /** The styled error page for {@code status}; also rendered by {@link DatabaseOutageFilter}. */
    static ModelAndView page(HttpStatus status) {
        ModelAndView page = new ModelAndView("error");
        page.setStatus(status);
        page.addObject("status", status.value());
        page.addObject("reason", status.getReasonPhrase());
        page.addObject("explanation", explanation(status));
        return page;
    }

    private static ApiError error(HttpStatus status) {
        String code = switch (status) {
            case NOT_FOUND -> "not_found";
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            case CONTENT_TOO_LARGE -> "payload_too_large";
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
            case BAD_REQUEST -> "bad_request";
            case TOO_MANY_REQUESTS -> "rate_limited";
            case SERVICE_UNAVAILABLE -> "unavailable";
            default -> status.is4xxClientError() ? "client_error" : "internal_error";
        };
        String message = switch (status) {
            case NOT_FOUND -> "No such resource.";
            case CONTENT_TOO_LARGE -> "The request body is too large.";
            default -> status.is5xxServerError() ? "Something went wrong on our side." : status.getReasonPhrase() + ".";
        };
        return new ApiError(code, message);
    }

    /** One sentence for people; the page's link back to the console (or sign-in) is the way on. */
    private static String explanation(HttpStatus status) {
        return switch (status) {
            case NOT_FOUND -> "There is no page at this address.";
            case FORBIDDEN -> "You may not open this, or the form you sent had expired: go back, reload the page and try again.";
            case UNAUTHORIZED -> "Sign in to continue.";
            case METHOD_NOT_ALLOWED -> "This address cannot be opened like that.";
            case CONTENT_TOO_LARGE -> "What you sent is too large.";
            case TOO_MANY_REQUESTS -> "Too many attempts. Wait a few minutes, then try again.";
            case SERVICE_UNAVAILABLE -> "The service is briefly unavailable. Try again in a moment.";
            default -> status.is5xxServerError() ? "Something went wrong on our side. Try again in a moment."
                    : "The request was refused.";
        };
    }

    /** The status of the failed request; none when /error is opened directly, which is not a page: 404. */
    private static HttpStatus status(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (request.getDispatcherType() != DispatcherType.ERROR || !(code instanceof Integer i)) {
            return HttpStatus.NOT_FOUND;
        }
        HttpStatus status = HttpStatus.resolve(i);
        return status == null ? HttpStatus.INTERNAL_SERVER_ERROR : status;
    }
}
