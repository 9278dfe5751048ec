package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTPS only, TLS 1.2+ only, strict headers on every kind of response, management on loopback. */
class TransportSecurityTest extends IntegrationTest {

    @Test
    void plainHttpOnTheServerPortGetsNoData() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Plain HTTP");
        String answer = rawHttp(port, "GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.token()
                + "\r\nConnection: close\r\n\r\n");
        assertThat(answer).doesNotContain(t.userId().toString()).doesNotContain(t.email()).doesNotContain("{");
        if (!answer.isEmpty()) {
            assertThat(answer).startsWith("HTTP/1.1 400").contains("requires TLS");
        }
        // and the same request over TLS does answer, so the refusal above is about the transport
        assertThat(api.get("/api/v1/me", t.token()).body()).contains(t.userId().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls1", "tls1_1"})
    void oldTlsVersionsAreRefusedByTheServer(String version) throws Exception {
        String out = openssl(port, version);
        // alert 70 comes from the server: the client offered the old version and the server refused it
        assertThat(out).contains("alert protocol version").doesNotContain("Cipher is ECDHE").doesNotContain("Cipher is TLS_");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls1_2", "tls1_3"})
    void currentTlsVersionsAreAccepted(String version) throws Exception {
        assertThat(openssl(port, version)).doesNotContain("alert").containsPattern("Cipher is [A-Z0-9_-]+");
    }

    @Test
    void securityHeadersOnApiConsoleErrorAndRefusedResponses() {
        Api.Tenant t = api.signUpAndSignIn("Headers");
        List<Api.Response> responses = new ArrayList<>();
        responses.add(api.get("/api/v1/me", t.token()));                                  // 200 JSON
        responses.add(api.get("/api/v1/me", null));                                       // 401
        responses.add(api.get("/api/v1/users/" + java.util.UUID.randomUUID(), t.token())); // 404
        responses.add(api.get("/login", null));                                           // console page
        responses.add(api.get("/.well-known/security.txt", null));                        // public file
        responses.add(api.post("/api/v1/signup", "x".repeat(70_000), null));              // 413
        responses.add(api.post("/api/v1/signup", "{", null));                             // 400
        for (Api.Response r : responses) {
            String what = r.status() + " " + r.body();
            assertThat(r.header("Strict-Transport-Security")).as(what).contains("max-age=31536000").contains("includeSubDomains");
            assertThat(r.header("Content-Security-Policy")).as(what).contains("default-src 'self'").contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
            assertThat(r.header("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
            assertThat(r.header("Referrer-Policy")).as(what).isEqualTo("no-referrer");
            assertThat(r.header("X-Frame-Options")).as(what).isEqualTo("DENY");
        }
        assertThat(responses.get(0).header("Cache-Control")).contains("no-store");
    }

    @Test
    void managementIsOnItsOwnLoopbackPortOverTlsAndTheMainPortDoesNotServeIt() throws Exception {
        assertThat(managementPort).isNotEqualTo(port);
        Api management = new Api(managementPort);
        Api.Response health = management.get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        assertThat(health.json().size()).isEqualTo(1);
        assertThat(management.get("/actuator/env", null).status()).isIn(401, 403, 404);
        assertThat(api.get("/actuator/health", null).status()).isIn(401, 404);
        // bound to loopback only: no other local address answers
        for (java.net.InetAddress address : externalAddresses()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, managementPort), 1000);
                throw new AssertionError("management port answers on " + address);
            } catch (java.io.IOException expected) {
                // refused
            }
        }
    }

    private static List<java.net.InetAddress> externalAddresses() throws Exception {
        List<java.net.InetAddress> addresses = new ArrayList<>();
        for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                nic.inetAddresses().filter(a -> a instanceof java.net.Inet4Address).forEach(addresses::add);
            }
        }
        return addresses;
    }

    static String rawHttp(int port, String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received.write(buffer, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // the server may close or stall; what it sent so far is what we judge
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static String openssl(int port, String version) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-" + version,
                "-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "localhost")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
