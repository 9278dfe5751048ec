package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

class DevTlsCertificateTest {

    @TempDir
    Path dir;

    @Test
    void devGeneratesAPrivateKeyReadableOnlyByTheOwnerAndReusesIt() throws Exception {
        MockEnvironment env = new MockEnvironment().withProperty("cloudwarden.data-dir", dir.toString());
        new DevTlsCertificate().postProcessEnvironment(env, new SpringApplication());
        Path key = dir.resolve("tls/server.key");
        Path cert = dir.resolve("tls/server.crt");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls")))).isEqualTo("rwx------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(env.getProperty("server.ssl.certificate")).isEqualTo("file:" + cert.toAbsolutePath());

        String first = Files.readString(cert);
        new DevTlsCertificate().postProcessEnvironment(new MockEnvironment().withProperty("cloudwarden.data-dir", dir.toString()),
                new SpringApplication());
        assertThat(Files.readString(cert)).as("reused on the next start").isEqualTo(first);
    }

    @Test
    void outsideDevAMissingCertificateStopsTheServer() {
        for (String environment : new String[] {"staging", "prod"}) {
            MockEnvironment env = new MockEnvironment().withProperty("cloudwarden.environment", environment)
                    .withProperty("cloudwarden.data-dir", dir.toString());
            assertThatThrownBy(() -> new DevTlsCertificate().postProcessEnvironment(env, new SpringApplication()))
                    .hasMessageContaining("No TLS certificate configured");
        }
        assertThat(dir.resolve("tls")).doesNotExist();
    }

    @Test
    void tlsCannotBeSwitchedOff() {
        MockEnvironment env = new MockEnvironment().withProperty("server.ssl.enabled", "false");
        assertThatThrownBy(() -> new DevTlsCertificate().postProcessEnvironment(env, new SpringApplication()))
                .hasMessageContaining("HTTPS only");
    }
}
