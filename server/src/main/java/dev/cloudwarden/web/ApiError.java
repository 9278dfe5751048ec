package dev.cloudwarden.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body of every error: a stable code, a message for humans, and the field when one is at fault. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String message, String field) {

    public ApiError(String error, String message) {
        this(error, message, null);
    }
}
