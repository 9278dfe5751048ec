package dev.cloudwarden.common;

import java.time.Duration;
import java.util.Locale;
import org.springframework.http.HttpStatus;

/**
 * An expected failure with a status, a stable code and a message for humans. Messages are written
 * by us and never contain input values, secrets or internal details; stack traces are not kept.
 *
 * <p>Two texts: the {@linkplain #getMessage() message} of the API's JSON error ({@code "password: is
 * required"}, naming the field for a program), and {@link #forPeople()}, the sentence the console
 * shows next to the field ("Choose a password."). A problem may carry its own sentence
 * ({@link #saying}); otherwise one is made from the field and the message. The sentence never reaches
 * the API, a log or an exception's text.
 */
public final class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final String field;
    private final Duration retryAfter;
    private final String sentence;

    private ApiProblem(HttpStatus status, String code, String field, String message) {
        this(status, code, field, message, null, null);
    }

    private ApiProblem(HttpStatus status, String code, String field, String message, Duration retryAfter) {
        this(status, code, field, message, retryAfter, null);
    }

    private ApiProblem(HttpStatus status, String code, String field, String message, Duration retryAfter, String sentence) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfter = retryAfter;
        this.sentence = sentence;
    }

    /**
     * The same problem, with the sentence a person reads in the console ("This password appears in a
     * list of breached passwords. Choose another."). The API's message stays as it was.
     */
    public ApiProblem saying(String sentence) {
        return new ApiProblem(status, code, field, getMessage(), retryAfter, sentence);
    }

    /**
     * The sentence for a person: the one given by {@link #saying}, else for a field's problem the field
     * and the message as a sentence ("expiresAt: must be in the future" reads "Expires at must be in
     * the future."), else the message, which is written for people already.
     */
    public String forPeople() {
        if (sentence != null) {
            return sentence;
        }
        String message = getMessage();
        if (field == null || message == null || !message.startsWith(field + ": ")) {
            return message;
        }
        String rest = message.substring(field.length() + 2).strip();
        String text = label(field) + (rest.matches("^(is|are|must|may|has|have|needs|appears|contains|does|applies|can) .*") ? " " : ": ") + rest;
        // "x; y" reads as two sentences
        StringBuilder out = new StringBuilder();
        for (String part : text.split(";\\s+")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            out.append(out.isEmpty() ? "" : " ").append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
            if (!p.endsWith(".") && !p.endsWith("?") && !p.endsWith("!")) {
                out.append('.');
            }
        }
        return out.toString();
    }

    /** Written in capitals inside a field's name as words: "roleArn" is "Role ARN". */
    private static final java.util.List<String> ACRONYMS = java.util.List.of("ARN", "ID", "IAM", "AWS", "URL", "IP", "TOTP", "MFA");

    /** A field's name as words: "expiresAt" is "Expires at", "parameters.regions" is "Regions", "roleArn" is "Role ARN". */
    private static String label(String field) {
        String last = field.substring(field.lastIndexOf('.') + 1).replaceAll("\\[\\d+]$", "");
        String words = last.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
        for (String acronym : ACRONYMS) {
            words = words.replaceAll("\\b" + acronym.toLowerCase(Locale.ROOT) + "\\b", acronym);
        }
        return words.isEmpty() ? field : Character.toUpperCase(words.charAt(0)) + words.substring(1);
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
