package dev.cloudwarden.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * A secret value (password, token, credential). Its {@code toString()} and its JSON form are
 * redacted, so a secret cannot reach a log line or a response body by accident; code that really
 * needs the value asks for it with {@link #reveal()}, which is easy to find in review.
 */
public final class Secret {

    private static final String REDACTED = "[REDACTED]";
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Secret of(String value) {
        return new Secret(value);
    }

    public String reveal() {
        return value;
    }

    public int length() {
        return value.length();
    }

    public boolean isBlank() {
        return value.isBlank();
    }

    @JsonValue
    @Override
    public String toString() {
        return REDACTED;
    }

}
