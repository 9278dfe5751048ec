package dev.cloudwarden.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of the running server over real HTTPS. It trusts exactly the server's generated
 * certificate (no trust-all), so every call also checks the TLS set-up.
 */
public final class Api {

    public static final JsonMapper JSON = JsonMapper.builder().build();
    public static final String PASSWORD = "violet-harbour-kettle-93";

    private final int port;
    private final HttpClient client;

    public Api(int port) {
        this(port, false);
    }

    public Api(int port, boolean cookies) {
        this(port, cookies, null);
    }

    /**
     * A client whose connections come from {@code localAddress} (e.g. 127.0.0.12: the whole 127/8
     * reaches the server on Linux), so a test can act as a client address of its own.
     */
    public Api(int port, boolean cookies, java.net.InetAddress localAddress) {
        this.port = port;
        HttpClient.Builder builder = HttpClient.newBuilder().sslContext(trustServer()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER);
        if (cookies) {
            builder.cookieHandler(new CookieManager());
        }
        if (localAddress != null) {
            builder.localAddress(localAddress);
        }
        this.client = builder.build();
    }

    public record Response(int status, String body, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public URI uri(String path) {
        return URI.create("https://localhost:" + port + path);
    }

    public Response get(String path, String token) {
        return send(request(path, token).GET().build());
    }

    public Response post(String path, Object body, String token) {
        return send(request(path, token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body))).build());
    }

    public Response patch(String path, Object body, String token) {
        return send(request(path, token).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build());
    }

    public Response delete(String path, String token) {
        return send(request(path, token).DELETE().build());
    }

    public HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A signed-up tenant with its owner's session token. */
    public record Tenant(UUID tenantId, UUID userId, String email, String token) {
    }

    public static String uniqueEmail(String who) {
        return who + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@example.com";
    }

    public Tenant signUpAndSignIn(String organization) {
        String email = uniqueEmail("owner");
        Response verified = signUp(organization, email, PASSWORD);
        return new Tenant(UUID.fromString(verified.json().get("tenantId").asString()),
                UUID.fromString(verified.json().get("userId").asString()), email, signIn(email, PASSWORD));
    }

    /** Signs up as SPEC section 3 says: the request (202), the emailed link, its verification (201, returned). */
    public Response signUp(String organization, String email, String password) {
        long before = TestMail.countTo(email);
        Response request = post("/api/v1/signup", Map.of("organization", organization, "email", email, "password", password), null);
        if (request.status() != 202) {
            throw new AssertionError("sign-up failed: " + request.status() + " " + request.body());
        }
        Response verified = verifyEmail(TestMail.awaitNewTokenTo(email, "cwv_", before));
        if (verified.status() != 201) {
            throw new AssertionError("email verification failed: " + verified.status() + " " + verified.body());
        }
        return verified;
    }

    public Response verifyEmail(String token) {
        return post("/api/v1/email-verifications", Map.of("token", token), null);
    }

    public String signIn(String email, String password) {
        Response session = post("/api/v1/sessions", Map.of("email", email, "password", password), null);
        if (session.status() != 201) {
            throw new AssertionError("sign-in failed: " + session.status() + " " + session.body());
        }
        return session.json().get("token").asString();
    }

    public static SSLContext trustServer() {
        Path cert = TestDatabase.DATA_DIR.resolve("tls/server.crt");
        try (InputStream in = Files.newInputStream(cert)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("cloudwarden", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot trust the server certificate at " + cert, e);
        }
    }
}
