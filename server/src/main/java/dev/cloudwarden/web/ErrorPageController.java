package dev.cloudwarden.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * Replaces Spring Boot's error page for errors raised outside Spring MVC (filters, the container):
 * JSON {@link ApiError} for API clients, a plain page for browsers, never exception details. Both
 * carry the security headers, written here: Spring Security's header writer does not run in an
 * error dispatch, and an error raised before its chains (the body limit, Tomcat) has none yet.
 */
@Controller
class ErrorPageController implements ErrorController {

    private final ErrorResponses errors;

    ErrorPageController(ErrorResponses errors) {
        this.errors = errors;
    }

    @RequestMapping(path = "/error", produces = MediaType.TEXT_HTML_VALUE)
    ModelAndView page(HttpServletRequest request, HttpServletResponse response) {
        SecurityHeaders.write(request, response);
        HttpStatus status = status(request);
        ModelAndView page = new ModelAndView("error");
        page.setStatus(status);
        page.addObject("status", status.value());
        page.addObject("reason", status.getReasonPhrase());
        return page;
    }

    @RequestMapping("/error")
    void json(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SecurityHeaders.write(request, response);
        HttpStatus status = status(request);
        String code = switch (status) {
            case NOT_FOUND -> "not_found";
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            case CONTENT_TOO_LARGE -> "payload_too_large";
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
            case BAD_REQUEST -> "bad_request";
            case TOO_MANY_REQUESTS -> "rate_limited";
            default -> status.is4xxClientError() ? "client_error" : "internal_error";
        };
        String message = switch (status) {
            case CONTENT_TOO_LARGE -> "The request body is too large.";
            default -> status.is5xxServerError() ? "Something went wrong on our side." : status.getReasonPhrase() + ".";
        };
        errors.write(response, status.value(), new ApiError(code, message));
    }

    private static HttpStatus status(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer i ? HttpStatus.resolve(i) : null;
        return status == null ? HttpStatus.INTERNAL_SERVER_ERROR : status;
    }
}
