package dev.cloudwarden.common;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * An expected failure with a status, a stable code and a message for humans. Messages are written
 * by us and never contain input values, secrets or internal details; stack traces are not kept.
 */
public final class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final String field;
    private final Duration retryAfter;

    private ApiProblem(HttpStatus status, String code, String field, String message) {
        this(status, code, field, message, null);
    }

    private ApiProblem(HttpStatus status, String code, String field, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    public static ApiProblem invalid(String field, String message) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "validation_failed", field, field + ": " + message);
    }

    /** The one answer for unknown, foreign and malformed IDs alike, so IDs cannot be probed. */
    public static ApiProblem notFound() {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not_found", null, "No such resource.");
    }

    public static ApiProblem conflict(String code, String message) {
        return new ApiProblem(HttpStatus.CONFLICT, code, null, message);
    }

    public static ApiProblem forbidden(String message) {
        return new ApiProblem(HttpStatus.FORBIDDEN, "forbidden", null, message);
    }

    public static ApiProblem forbidden(String code, String message) {
        return new ApiProblem(HttpStatus.FORBIDDEN, code, null, message);
    }

    public static ApiProblem unauthorized(String code, String message) {
        return new ApiProblem(HttpStatus.UNAUTHORIZED, code, null, message);
    }

    /** 429 with a {@code Retry-After} header of {@code retryAfter}, rounded up to whole seconds (at least 1). */
    public static ApiProblem tooManyRequests(String code, String message, Duration retryAfter) {
        return new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, code, null, message, retryAfter);
    }

    /** 429 without a known wait. */
    public static ApiProblem tooManyRequests(String code, String message) {
        return new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, code, null, message, null);
    }

    /**
     * 503 {@code unavailable} with a {@code Retry-After} header: the server cannot take this request
     * now (it is saturated or a dependency is down) and the client should try again later.
     */
    public static ApiProblem unavailable(String message, Duration retryAfter) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", null, message, retryAfter);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    /** When the client may try again, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** A {@code Retry-After} value: whole seconds, rounded up, at least 1. */
    public static long retryAfterSeconds(Duration wait) {
        long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
