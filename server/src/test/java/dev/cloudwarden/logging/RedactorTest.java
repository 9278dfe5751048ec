package dev.cloudwarden.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each pattern of P3 is redacted, the key and the shape around it survive, and harmless text is kept as is. */
class RedactorTest {

    static final String KEY_ID = "AKIAIOSFODNN7EXAMPLE";
    static final String TEMP_KEY_ID = "ASIAY34FZKBOKMUTVV7A";
    static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_x";
    /** Shaped like SessionTokens: cws_ + base64url(tenant id ‖ 32 random bytes). */
    static final String SESSION_TOKEN = "cws_" + Base64.getUrlEncoder().withoutPadding().encodeToString(
            "0123456789abcdef-canary-session-token-bytes!?>~".getBytes());

    private final Redactor redactor = new Redactor(true);

    /**
     * A bearer secret shaped like common.TenantTokenFormat mints them: prefix + base64url(tenant id ‖ 32
     * random bytes), with both base64url-only characters ('-' and '_') in it.
     */
    static String token(String prefix) {
        byte[] raw = new byte[48];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 37 + prefix.length());
        }
        raw[21] = (byte) 0xfb;
        raw[22] = (byte) 0xff;
        raw[23] = (byte) 0xbf;
        String value = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThat(value).contains("-").contains("_").hasSize(prefix.length() + 64);
        return value;
    }

    /** Each token prefix: in prose, in a link's fragment (as mailed), and as a JSON value under a harmless key. */
    static Stream<Arguments> tokens() {
        return Stream.of("cws_", "cwpat_", "cwi_", "cwr_", "cwv_", "cwo_", "cwe_", "cwa_").flatMap(prefix -> {
            String t = token(prefix);
            return Stream.of(
                    Arguments.of(prefix, "presented " + t + ", refused", "presented [REDACTED], refused"),
                    Arguments.of(prefix, "link https://localhost:8443/invitations/accept#" + t + " sent",
                            "link https://localhost:8443/invitations/accept#[REDACTED] sent"),
                    Arguments.of(prefix, "{\"link\":\"https://cw.example/password-reset/confirm#" + t + "\",\"n\":1}",
                            "{\"link\":\"https://cw.example/password-reset/confirm#[REDACTED]\",\"n\":1}"),
                    Arguments.of(prefix, "{\"items\":[\"" + t + "\"],\"value\":\"" + t + "\"}",
                            "{\"items\":[\"[REDACTED]\"],\"value\":\"[REDACTED]\"}"));
        });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource
    void tokens(String prefix, String input, String expected) {
        assertThat(redactor.redact(input)).isEqualTo(expected).doesNotContain(token(prefix).substring(prefix.length()));
        assertThat(redactor.redact(expected)).as("redacting twice changes nothing").isEqualTo(expected);
    }

    static Stream<Arguments> redacted() {
        return Stream.of(
                // AWS access key ids
                Arguments.of("using key " + KEY_ID + " for the call", "using key [REDACTED] for the call"),
                Arguments.of("temporary key " + TEMP_KEY_ID + ",", "temporary key [REDACTED],"),
                Arguments.of("{\"AccessKeyId\":\"" + TEMP_KEY_ID + "\"}", "{\"AccessKeyId\":\"[REDACTED]\"}"),
                // AWS secret keys next to a telling word
                Arguments.of("aws_secret_access_key = " + AWS_SECRET, "aws_secret_access_key = [REDACTED]"),
                Arguments.of("\"SecretAccessKey\": \"" + AWS_SECRET + "\"", "\"SecretAccessKey\": \"[REDACTED]\""),
                Arguments.of("the secret key is " + AWS_SECRET + " (rotate it)", "the secret key is [REDACTED] (rotate it)"),
                Arguments.of("credentials " + AWS_SECRET, "credentials [REDACTED]"),
                // role ARNs keep their shape
                Arguments.of("assuming arn:aws:iam::123456789012:role/CloudwardenAccess now",
                        "assuming arn:aws:iam::[REDACTED]:role/[REDACTED] now"),
                Arguments.of("as arn:aws:iam::123456789012:role/service-role/path/Cw+Role=x,y.z@w-1 then",
                        "as arn:aws:iam::[REDACTED]:role/[REDACTED] then"),
                Arguments.of("caller arn:aws:sts::123456789012:assumed-role/CloudwardenAccess/jane@example.com",
                        "caller arn:aws:sts::[REDACTED]:assumed-role/[REDACTED]"),
                Arguments.of("arn:aws-us-gov:iam::123456789012:role/X", "arn:aws-us-gov:iam::[REDACTED]:role/[REDACTED]"),
                Arguments.of("arn:aws:iam::123456789012:root", "arn:aws:iam::[REDACTED]:root"),
                // bearer tokens and Authorization headers
                Arguments.of("Authorization: Bearer " + JWT, "Authorization: Bearer [REDACTED]"),
                Arguments.of("sent bearer " + SESSION_TOKEN + " twice", "sent bearer [REDACTED] twice"),
                Arguments.of("headers=[authorization:\"Bearer abc.def\", host:\"x\"]", "headers=[authorization:\"Bearer [REDACTED]\", host:\"x\"]"),
                Arguments.of("authorization: Basic dXNlcjpwYXNzd29yZA==\r\nhost: x", "authorization: Basic [REDACTED]\r\nhost: x"),
                Arguments.of("Proxy-Authorization=opaque-canary", "Proxy-Authorization=[REDACTED]"),
                // Cloudwarden session tokens anywhere
                Arguments.of("token " + SESSION_TOKEN + " expired", "token [REDACTED] expired"),
                Arguments.of("SessionCreated[token=" + SESSION_TOKEN + ", expiresAt=2030-01-01T00:00:00Z]",
                        "SessionCreated[token=[REDACTED], expiresAt=2030-01-01T00:00:00Z]"),
                // key/value pairs: the key stays, the value goes, quotes are kept
                Arguments.of("login password=hunter2-canary ok", "login password=[REDACTED] ok"),
                Arguments.of("{\"email\":\"x\",\"password\":\"hunter2 with \\\"quotes\\\"\",\"n\":1}",
                        "{\"email\":\"x\",\"password\":\"[REDACTED]\",\"n\":1}"),
                Arguments.of("{\"password\" : \"hunter2\"}", "{\"password\" : \"[REDACTED]\"}"),
                Arguments.of("body={\\\"password\\\":\\\"hunter2\\\",\\\"a\\\":1}", "body={\\\"password\\\":\\\"[REDACTED]\\\",\\\"a\\\":1}"),
                Arguments.of("{'password': 'hunter2'}", "{'password': '[REDACTED]'}"),
                Arguments.of("secret=s3cr3t&x=1", "secret=[REDACTED]&x=1"),
                Arguments.of("client_secret: abc123, scope: all", "client_secret: [REDACTED], scope: all"),
                Arguments.of("token=tok-canary;", "token=[REDACTED];"),
                Arguments.of("refresh_token=\"tok\"", "refresh_token=\"[REDACTED]\""),
                Arguments.of("otp=123456", "otp=[REDACTED]"),
                Arguments.of("User[newPassword=hunter2, role=ADMIN]", "User[newPassword=[REDACTED], role=ADMIN]"),
                Arguments.of("-Dspring.datasource.password=hunter2 -Dx=y", "-Dspring.datasource.password=[REDACTED] -Dx=y"),
                Arguments.of("X-Api-Key: k-123", "X-Api-Key: [REDACTED]"),
                Arguments.of("Set-Cookie: __Host-cloudwarden=ABC123; Path=/", "Set-Cookie: [REDACTED]; Path=/"),
                // JDBC URLs
                Arguments.of("jdbc:postgresql://db:5432/cw?user=app&password=jdbc-canary&sslmode=require",
                        "jdbc:postgresql://db:5432/cw?user=app&password=[REDACTED]&sslmode=require"),
                Arguments.of("jdbc:postgresql://app:jdbc-canary@db.internal:5432/cw", "jdbc:postgresql://app:[REDACTED]@db.internal:5432/cw"),
                Arguments.of("jdbc:sqlserver://db;user=sa;password=jdbc-canary;encrypt=true",
                        "jdbc:sqlserver://db;user=sa;password=[REDACTED];encrypt=true"),
                Arguments.of("jdbc:mysql://db/cw?pwd=jdbc-canary", "jdbc:mysql://db/cw?pwd=[REDACTED]"),
                Arguments.of("redis://:hunter2@cache:6379", "redis://:[REDACTED]@cache:6379"),
                // password hashes
                Arguments.of("password_hash=$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g, id=1", "password_hash=[REDACTED], id=1"),
                Arguments.of("parameter value [$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA]", "parameter value [[REDACTED]]"),
                Arguments.of("{bcrypt}$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "{bcrypt}[REDACTED]"),
                // external IDs (an AssumeRole request logged by the SDK at DEBUG)
                Arguments.of("Action=AssumeRole&ExternalId=cw-0123456789abcdef0123456789abcdef01234567&RoleSessionName=cw-1a2b3c4d-sync-0123456789ab",
                        "Action=AssumeRole&ExternalId=[REDACTED]&RoleSessionName=cw-1a2b3c4d-sync-0123456789ab"),
                Arguments.of("{\"externalId\":\"cw-0123456789abcdef0123456789abcdef01234567\"}", "{\"externalId\":\"[REDACTED]\"}"),
                // email addresses
                Arguments.of("signed in jane.doe+ops@example.co.uk from 10.0.0.1", "signed in [REDACTED] from 10.0.0.1"),
                Arguments.of("<OWNER-42@Example.COM>", "<[REDACTED]>"),
                // private keys
                Arguments.of("key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY----- end",
                        "key: [REDACTED] end"));
    }

    @ParameterizedTest
    @MethodSource
    void redacted(String input, String expected) {
        assertThat(redactor.redact(input)).isEqualTo(expected);
        assertThat(redactor.redact(expected)).as("redacting twice changes nothing").isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Created database role cloudwarden_app",
            "Cloudwarden (dev) is ready at https://localhost:8443 - create an organisation at https://localhost:8443/signup",
            "tenant 3f2b8c1e-9d4a-4b7e-8f00-0123456789ab, user 00000000-0000-0000-0000-000000000000",
            "instance arn:aws:ec2:eu-west-1:123456789012:instance/i-0abcd1234ef567890 and arn:aws:s3:::my-bucket/key.txt",
            "jdbc:postgresql://127.0.0.1:5432/cloudwarden?sslmode=prefer&ApplicationName=cloudwarden",
            "\tat dev.cloudwarden.web.internal.ApiExceptionHandler.unexpected(ApiExceptionHandler.java:74)",
            "\tat java.base@21.0.2/java.lang.Thread.run(Thread.java:1583)",
            "Added connection org.postgresql.jdbc.PgConnection@5f2a8c10",
            "commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad was deployed",
            "Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
            "sessions.ttl=PT12H poolSize=10 at 2030-01-01T00:00:00Z",
            "Invalid password or email for this sign-in attempt",
            "AKIA is the prefix of a long-term key id",
            "tokens start with cws_, cwpat_, cwi_, cwr_ or cwv_",
            "the hint cwpat_…x9Qa of a token is shown in lists",
    })
    void harmlessTextIsKept(String text) {
        assertThat(redactor.redact(text)).isEqualTo(text);
    }

    @Test
    void emailsAreKeptWhenTheFlagIsOff() {
        String text = "invited jane.doe@example.com with password=hunter2";
        assertThat(new Redactor(false).redact(text)).isEqualTo("invited jane.doe@example.com with password=[REDACTED]");
        assertThat(new Redactor(true).redact(text)).isEqualTo("invited [REDACTED] with password=[REDACTED]");
    }

    @Test
    void hostileLongTextIsRedactedInLinearTime() {
        // every line of every library passes through here: no input may make a pattern backtrack for long
        for (String filler : List.of("token", "a.", "x@", "secret ", "https://a:", "password=\"", "arn:aws:iam::")) {
            String text = filler.repeat(200_000 / filler.length());
            assertTimeout(Duration.ofSeconds(5), () -> redactor.redact(text), filler);
        }
    }

    @Test
    void nullAndEmptyPassThrough() {
        assertThat(redactor.redact(null)).isNull();
        assertThat(redactor.redact("")).isEmpty();
    }

    @Test
    void secretsInNestedCausesAndSuppressedExceptionsOfAStackTraceAreRedacted() {
        SQLException root = new SQLException("connection to jdbc:postgresql://app:pw-canary@db/cw refused for owner@example.com");
        RuntimeException middle = new RuntimeException("AssumeRole arn:aws:iam::123456789012:role/Cw failed with " + KEY_ID, root);
        IllegalStateException top = new IllegalStateException("sign-in with password=hunter2-canary failed", middle);
        top.addSuppressed(new IllegalArgumentException("Bearer " + JWT));

        for (String trace : List.of(ThrowableProxyUtil.asString(new ThrowableProxy(top)), printed(top))) {
            String redacted = redactor.redact(trace);
            assertThat(redacted).doesNotContain("pw-canary", "owner@example.com", "123456789012", KEY_ID, "hunter2-canary", JWT)
                    .contains("java.lang.IllegalStateException: sign-in with password=[REDACTED] failed")
                    .contains("Caused by: java.lang.RuntimeException: AssumeRole arn:aws:iam::[REDACTED]:role/[REDACTED] failed with [REDACTED]")
                    .contains("Caused by: java.sql.SQLException: connection to jdbc:postgresql://app:[REDACTED]@db/cw refused for [REDACTED]")
                    .contains("Suppressed: java.lang.IllegalArgumentException: Bearer [REDACTED]")
                    .contains("at dev.cloudwarden.logging.RedactorTest.secretsInNestedCausesAndSuppressedExceptionsOfAStackTraceAreRedacted(RedactorTest.java:");
            assertThat(redacted.lines().count()).as("frames are kept line by line").isEqualTo(trace.lines().count());
        }
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
