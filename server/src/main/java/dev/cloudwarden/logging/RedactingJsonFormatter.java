package dev.cloudwarden.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.time.Instant;
import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLogFormatter;
import org.springframework.core.env.Environment;

/**
 * The platform's log line (promise P3): one JSON object per line with {@code @timestamp},
 * {@code level}, {@code logger}, {@code thread}, {@code message} and, for an exception, an
 * {@code error} object with {@code type}, {@code message} and {@code stack_trace} (ECS names).
 * Every free-text field goes through the {@link Redactor}; the stack trace is redacted as a whole,
 * so the messages of all causes and suppressed exceptions are covered. MDC and key-value pairs are deliberately not
 * written: they would be unredacted data.
 *
 * <p>Enabled with {@code logging.structured.format.console=dev.cloudwarden.logging.RedactingJsonFormatter};
 * Spring Boot instantiates it with the {@link Environment}, before the application context exists.
 */
public final class RedactingJsonFormatter implements StructuredLogFormatter<ILoggingEvent> {

    static final String REDACT_EMAILS = "cloudwarden.logging.redact-emails";

    private final JsonWriter<ILoggingEvent> writer;

    public RedactingJsonFormatter(Environment environment) {
        this(new Redactor(environment.getProperty(REDACT_EMAILS, Boolean.class, Boolean.TRUE)));
    }

    RedactingJsonFormatter(Redactor redactor) {
        this.writer = JsonWriter.<ILoggingEvent>of(line -> {
            line.add("@timestamp", ILoggingEvent::getInstant).as(Instant::toString);
            line.add("level", ILoggingEvent::getLevel).as(Level::toString);
            line.add("logger", ILoggingEvent::getLoggerName);
            line.add("thread", ILoggingEvent::getThreadName);
            line.add("message", ILoggingEvent::getFormattedMessage).as(redactor::redact);
            line.add("error", ILoggingEvent::getThrowableProxy).whenNotNull().usingMembers(error -> {
                error.add("type", IThrowableProxy::getClassName);
                error.add("message", IThrowableProxy::getMessage).whenNotNull().as(redactor::redact);
                error.add("stack_trace", ThrowableProxyUtil::asString).as(redactor::redact);
            });
        }).withNewLineAtEnd();
    }

    @Override
    public String format(ILoggingEvent event) {
        return writer.writeToString(event);
    }
}
