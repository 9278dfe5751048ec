package dev.cloudwarden.web.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.DatabaseAvailability;
import dev.cloudwarden.web.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collection;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Maps every failure inside Spring MVC to {@link ApiError}. Messages are ours; exception texts,
 * input values and stack traces never reach a response. A browser on a console address gets the
 * styled error page instead ({@link ErrorPages}, rendered by {@link ErrorPageController} through
 * the container's error dispatch); the API always answers JSON, written whole with its length by
 * {@link ErrorResponses} (a client still sending a refused body gets the answer before the close).
 */
@ControllerAdvice
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final ErrorResponses errors;

    ApiExceptionHandler(ErrorResponses errors) {
        this.errors = errors;
    }

    @ExceptionHandler(ApiProblem.class)
    void problem(ApiProblem e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (e.retryAfter() != null) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(ApiProblem.retryAfterSeconds(e.retryAfter())));
        }
        respond(request, response, e.status(), new ApiError(e.code(), e.getMessage(), e.field()));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    void unreadable(HttpMessageNotReadableException e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestBodyLimitFilter.BodyTooLargeException) {
                // may be wrapped in a JacksonIOException, so the whole chain is searched first
                respond(request, response, HttpStatus.CONTENT_TOO_LARGE, new ApiError("payload_too_large", "The request body is too large."));
                return;
            }
        }
        if (e.getCause() instanceof UnrecognizedPropertyException unknown) {
            // the unknown name is the caller's text: never echoed back; the names this call does take are ours
            respond(request, response, HttpStatus.BAD_REQUEST, new ApiError("unknown_field", unknownFieldMessage(unknown)));
        } else if (e.getCause() instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = path(mismatch);
            respond(request, response, HttpStatus.BAD_REQUEST, new ApiError("validation_failed", field + ": has the wrong type or value", field));
        } else {
            respond(request, response, HttpStatus.BAD_REQUEST,
                    new ApiError("malformed_json", "The request body is not valid JSON of the expected shape."));
        }
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    void unsupportedType(HttpServletRequest request, HttpServletResponse response) throws IOException {
        respond(request, response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, new ApiError("unsupported_media_type", "Send the body as application/json."));
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    void notAcceptable(HttpServletRequest request, HttpServletResponse response) throws IOException {
        respond(request, response, HttpStatus.NOT_ACCEPTABLE, new ApiError("not_acceptable", "This resource answers in application/json."));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    void methodNotAllowed(HttpServletRequest request, HttpServletResponse response) throws IOException {
        respond(request, response, HttpStatus.METHOD_NOT_ALLOWED, new ApiError("method_not_allowed", "This method is not allowed here."));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    void noResource(HttpServletRequest request, HttpServletResponse response) throws IOException {
        respond(request, response, HttpStatus.NOT_FOUND, new ApiError("not_found", "No such resource."));
    }

    @ExceptionHandler(Exception.class)
    void unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (DatabaseAvailability.isOutage(e)) {
            throw e; // not a bug: DatabaseOutageFilter answers 503 for this and every other path alike
        }
        log.error("Unhandled {} while serving a request", e.getClass().getName(), e);
        respond(request, response, HttpStatus.INTERNAL_SERVER_ERROR, new ApiError("internal_error", "Something went wrong on our side."));
    }

    /** JSON, or for a browser on a console address the styled page, rendered in the container's error dispatch. */
    private void respond(HttpServletRequest request, HttpServletResponse response, HttpStatusCode status, ApiError error)
            throws IOException {
        if (ErrorPages.wantsPage(request) && !response.isCommitted()) {
            response.sendError(status.value());
        } else {
            errors.write(response, status.value(), error);
        }
    }

    /** Lists the fields the call takes (names from our own types), sorted; never the one that was sent. */
    static String unknownFieldMessage(UnrecognizedPropertyException e) {
        Collection<Object> known = e.getKnownPropertyIds();
        if (known == null || known.isEmpty()) {
            return "The body has a field this call does not take.";
        }
        return "The body has a field this call does not take. It takes: "
                + known.stream().map(Objects::toString).sorted().collect(Collectors.joining(", ")) + ".";
    }

    private static String path(JacksonException e) {
        return e.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
