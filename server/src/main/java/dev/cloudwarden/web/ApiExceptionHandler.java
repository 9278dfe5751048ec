package dev.cloudwarden.web;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.DatabaseAvailability;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Maps every failure inside Spring MVC to {@link ApiError}. Messages are ours; exception texts,
 * input values and stack traces never reach a response.
 */
@RestControllerAdvice
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ApiError> problem(ApiProblem e) {
        if (e.retryAfter() != null) {
            return ResponseEntity.status(e.status()).contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                    .header(org.springframework.http.HttpHeaders.RETRY_AFTER, Long.toString(ApiProblem.retryAfterSeconds(e.retryAfter())))
                    .body(new ApiError(e.code(), e.getMessage(), e.field()));
        }
        return respond(e.status(), new ApiError(e.code(), e.getMessage(), e.field()));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestBodyLimitFilter.BodyTooLargeException) {
                return tooLarge(); // may be wrapped in a JacksonIOException, so the whole chain is searched first
            }
        }
        if (e.getCause() instanceof UnrecognizedPropertyException unknown) {
            String field = unknown.getPropertyName();
            return respond(HttpStatus.BAD_REQUEST, new ApiError("unknown_field", field + ": is not a known field", field));
        }
        if (e.getCause() instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = path(mismatch);
            return respond(HttpStatus.BAD_REQUEST, new ApiError("validation_failed", field + ": has the wrong type or value", field));
        }
        return respond(HttpStatus.BAD_REQUEST, new ApiError("malformed_json", "The request body is not valid JSON of the expected shape."));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> unsupportedType() {
        return respond(HttpStatus.UNSUPPORTED_MEDIA_TYPE, new ApiError("unsupported_media_type", "Send the body as application/json."));
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ApiError> notAcceptable() {
        return respond(HttpStatus.NOT_ACCEPTABLE, new ApiError("not_acceptable", "This resource answers in application/json."));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> methodNotAllowed() {
        return respond(HttpStatus.METHOD_NOT_ALLOWED, new ApiError("method_not_allowed", "This method is not allowed here."));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> noResource() {
        return respond(HttpStatus.NOT_FOUND, new ApiError("not_found", "No such resource."));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) throws Exception {
        if (DatabaseAvailability.isOutage(e)) {
            throw e; // not a bug: DatabaseOutageFilter answers 503 for this and every other path alike
        }
        log.error("Unhandled {} while serving a request", e.getClass().getName(), e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, new ApiError("internal_error", "Something went wrong on our side."));
    }

    static ResponseEntity<ApiError> tooLarge() {
        return respond(HttpStatus.CONTENT_TOO_LARGE, new ApiError("payload_too_large", "The request body is too large."));
    }

    private static ResponseEntity<ApiError> respond(HttpStatus status, ApiError error) {
        return ResponseEntity.status(status).contentType(org.springframework.http.MediaType.APPLICATION_JSON).body(error);
    }

    private static String path(JacksonException e) {
        return e.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
