package dev.cloudwarden.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.filter.AbstractRequestLoggingFilter;

/**
 * The running server with the console format proposed for application.yaml. Request logging stays
 * off, and even with the chattiest request, security and SQL loggers switched to DEBUG/TRACE,
 * no password, session token, password hash or email reaches the console.
 */
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = "logging.structured.format.console=dev.cloudwarden.logging.RedactingJsonFormatter")
class RequestLoggingTest extends IntegrationTest {

    /** Loggers that print parameters, headers, bodies or SQL values below INFO. */
    private static final List<String> CHATTY = List.of("org.springframework.web", "org.springframework.security",
            "org.springframework.jdbc", "org.apache.coyote", "org.apache.catalina", "org.apache.tomcat");

    @Autowired
    private ApplicationContext context;

    @Autowired
    private Environment env;

    @Autowired
    private LoggingSystem logging;

    @Test
    void requestLoggingIsOff() {
        assertThat(context.getBeansOfType(AbstractRequestLoggingFilter.class)).as("no request logging filter").isEmpty();
        assertThat(env.getProperty("server.tomcat.accesslog.enabled", Boolean.class, false)).as("Tomcat access log").isFalse();
        assertThat(env.getProperty("spring.mvc.log-request-details", Boolean.class, false)).as("request details").isFalse();
        for (String logger : CHATTY) {
            assertThat(logging.getLoggerConfiguration(logger).getEffectiveLevel()).as(logger).isGreaterThanOrEqualTo(LogLevel.INFO);
        }
    }

    @Test
    void nothingSensitiveIsLoggedEvenAtTrace(CapturedOutput output) {
        String email = Api.uniqueEmail("log-canary");
        String password = "canary-" + Long.toHexString(System.nanoTime()) + "-kettle";
        int start = output.getOut().length(); // earlier lines may predate this context's logging set-up
        CHATTY.forEach(logger -> logging.setLogLevel(logger, LogLevel.TRACE));
        String token;
        try {
            assertThat(api.post("/api/v1/signup", Map.of("organization", "Log canary", "email", email, "password", password), null)
                    .status()).isEqualTo(202);
            assertThat(api.verifyEmail(TestMail.token(TestMail.awaitMessageTo(email), "cwv_")).status()).isEqualTo(201);
            token = api.signIn(email, password);
            assertThat(api.get("/api/v1/me", token).status()).isEqualTo(200);
            assertThat(api.get("/api/v1/me", token + "x").status()).isEqualTo(401);
        } finally {
            CHATTY.forEach(logger -> logging.setLogLevel(logger, null));
        }

        String text = output.getOut() + output.getErr();
        assertThat(text).doesNotContain(password, token, token.substring(4, 40), email, "$argon2id$");
        List<String> messages = output.getOut().substring(start).lines().filter(line -> !line.isBlank())
                .map(line -> Api.JSON.readTree(line).get("message").asString()).toList(); // every line is one JSON object
        // the chatty loggers did print raw requests (Tomcat dumps headers, and the body when it came in the same
        // read, at DEBUG) and MVC's request and response objects; the layer redacted them
        assertThat(messages).anyMatch(m -> m.startsWith("Received [POST /api/v1/signup"))
                .anyMatch(m -> m.startsWith("Received [GET /api/v1/me") && m.contains("Authorization: Bearer [REDACTED]"))
                .anyMatch(m -> m.contains("SignupRequest[organization=Log canary, email=[REDACTED], password=[REDACTED]]"))
                .anyMatch(m -> m.contains("SessionCreated[token=[REDACTED]"));
    }
}
