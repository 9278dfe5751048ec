package dev.cloudwarden.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real Logback loggers writing through Spring Boot's own {@link StructuredLogEncoder} with
 * {@code format} set to the formatter's class name, exactly what
 * {@code logging.structured.format.console} sets up, so Boot instantiates the formatter itself.
 */
class RedactingJsonFormatterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String KEY_ID = RedactorTest.KEY_ID;
    private static final String ROLE_ARN = "arn:aws:iam::210987654321:role/CloudwardenCanaryRole";
    private static final String BEARER = RedactorTest.JWT;
    private static final String PASSWORD = "canary-passphrase-93";
    private static final String EMAIL = "canary.owner@example.org";
    private static final List<String> CANARIES = List.of(KEY_ID, "210987654321", "CloudwardenCanaryRole", BEARER, PASSWORD, EMAIL);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private LoggerContext context;

    @AfterEach
    void noAppenderOrEncoderFailed() {
        // Logback drops an event whose encoding throws and only records a status: make that a failure here.
        assertThat(context.getStatusManager().getCopyOfStatusList()).noneMatch(s -> s.getEffectiveLevel() >= Status.WARN);
        context.stop();
    }

    @Test
    void canariesNeverReachTheOutputWhileTheRestOfTheLineDoes() {
        LoggerContext logback = start(new MockEnvironment());
        // third-party logger names: the appender sits on the root logger, so every library goes through it
        logback.getLogger("org.apache.coyote.http11.Http11InputBuffer").debug("Received [POST /api/v1/sessions HTTP/1.1\r\n"
                + "authorization: Bearer {}\r\n\r\n{\"email\":\"{}\",\"password\":\"{}\"}]", BEARER, EMAIL, PASSWORD);
        logback.getLogger("software.amazon.awssdk.request").info("AssumeRole {} with key {} for {}", ROLE_ARN, KEY_ID, EMAIL);
        logback.getLogger("dev.cloudwarden.identity.internal.SignInService").warn("sign-in failed: password={} user={}", PASSWORD, EMAIL);

        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(3);
        assertThat(output()).doesNotContain(CANARIES);

        JsonNode tomcat = lines.get(0);
        assertThat(tomcat.get("level").asString()).isEqualTo("DEBUG");
        assertThat(tomcat.get("logger").asString()).isEqualTo("org.apache.coyote.http11.Http11InputBuffer");
        assertThat(tomcat.get("thread").asString()).isEqualTo(Thread.currentThread().getName());
        assertThat(Instant.parse(tomcat.get("@timestamp").asString())).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(tomcat.get("message").asString()).isEqualTo("Received [POST /api/v1/sessions HTTP/1.1\r\n"
                + "authorization: Bearer [REDACTED]\r\n\r\n{\"email\":\"[REDACTED]\",\"password\":\"[REDACTED]\"}]");
        assertThat(tomcat.has("error")).isFalse();

        assertThat(lines.get(1).get("message").asString())
                .isEqualTo("AssumeRole arn:aws:iam::[REDACTED]:role/[REDACTED] with key [REDACTED] for [REDACTED]");
        assertThat(lines.get(2).get("message").asString()).isEqualTo("sign-in failed: password=[REDACTED] user=[REDACTED]");
        assertThat(lines.get(2).get("level").asString()).isEqualTo("WARN");
    }

    @Test
    void anExceptionIsRedactedInErrorMessageAndInTheWholeStackTrace() {
        LoggerContext logback = start(new MockEnvironment());
        SQLException cause = new SQLException("FATAL: password authentication failed, url jdbc:postgresql://db/cw?password=" + PASSWORD);
        IllegalStateException failure = new IllegalStateException("AssumeRole " + ROLE_ARN + " refused for " + KEY_ID, cause);
        failure.addSuppressed(new IllegalArgumentException("Authorization: Bearer " + BEARER));
        logback.getLogger("dev.cloudwarden.web.internal.ApiExceptionHandler").error("Unhandled {} while serving {}", failure.getClass().getName(), EMAIL, failure);

        assertThat(output()).doesNotContain(CANARIES);
        JsonNode line = lines().getFirst();
        assertThat(line.get("level").asString()).isEqualTo("ERROR");
        assertThat(line.get("message").asString()).isEqualTo("Unhandled java.lang.IllegalStateException while serving [REDACTED]");
        JsonNode error = line.get("error");
        assertThat(error.get("type").asString()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("message").asString()).isEqualTo("AssumeRole arn:aws:iam::[REDACTED]:role/[REDACTED] refused for [REDACTED]");
        assertThat(error.get("stack_trace").asString())
                .startsWith("java.lang.IllegalStateException: AssumeRole arn:aws:iam::[REDACTED]:role/[REDACTED] refused for [REDACTED]")
                .contains("\tat dev.cloudwarden.logging.RedactingJsonFormatterTest.anExceptionIsRedactedInErrorMessageAndInTheWholeStackTrace(")
                .contains("Caused by: java.sql.SQLException: FATAL: password authentication failed, url jdbc:postgresql://db/cw?password=[REDACTED]")
                .contains("Suppressed: java.lang.IllegalArgumentException: Authorization: Bearer [REDACTED]");
    }

    @Test
    void emailsStayWhenConfiguredOffButCredentialsDoNot() {
        LoggerContext logback = start(new MockEnvironment().withProperty(RedactingJsonFormatter.REDACT_EMAILS, "false"));
        logback.getLogger("x").info("invited {} with token=abc and key {}", EMAIL, KEY_ID);
        assertThat(lines().getFirst().get("message").asString()).isEqualTo("invited " + EMAIL + " with token=[REDACTED] and key [REDACTED]");
    }

    @Test
    void eachEventIsOneLineOfValidJsonWhateverTheMessageHolds() {
        LoggerContext logback = start(new MockEnvironment());
        String hostile = "line one\n{\"level\":\"ERROR\",\"message\":\"forged\"}\r\n\t\"quoted\" \\ back\u0000slash \u2028 é";
        logback.getLogger("x").info(hostile);
        logback.getLogger("y").info("second");

        String text = output();
        assertThat(text).endsWith("\n");
        assertThat(text.chars().filter(c -> c == '\n' || c == '\r')).as("only the two line ends").hasSize(2);
        List<JsonNode> lines = lines();
        assertThat(lines.get(0).get("message").asString()).isEqualTo(hostile);
        assertThat(lines.get(0).propertyNames()).containsExactly("@timestamp", "level", "logger", "thread", "message");
        assertThat(lines.get(1).get("message").asString()).isEqualTo("second");
    }

    /** A private Logback context (not the JVM's global one) with one appender on the root logger. */
    private LoggerContext start(Environment environment) {
        context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        context.putObject(Environment.class.getName(), environment); // what Spring Boot's logging system does
        StructuredLogEncoder encoder = new StructuredLogEncoder();
        encoder.setContext(context);
        encoder.setFormat(RedactingJsonFormatter.class.getName());
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.DEBUG);
        root.addAppender(appender);
        return context;
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<JsonNode> lines() {
        return output().lines().map(JSON::readTree).toList();
    }
}
