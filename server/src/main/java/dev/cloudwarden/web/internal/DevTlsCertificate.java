package dev.cloudwarden.web.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * HTTPS on every start. In dev, when no certificate is configured, a self-signed one for
 * localhost is generated on first start under {@code <data-dir>/tls/} (key file mode 600) and reused
 * afterwards. In any other environment a missing certificate stops the server: there is no
 * plain-HTTP fallback.
 */
public class DevTlsCertificate implements EnvironmentPostProcessor, Ordered {

    static final String CERT_FILE = "server.crt";
    static final String KEY_FILE = "server.key";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after application.yaml and the environment are loaded
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (application.getWebApplicationType() == WebApplicationType.NONE
                || "none".equalsIgnoreCase(env.getProperty("spring.main.web-application-type", ""))) {
            return; // a command-line run (migrate, keys rotate-kek) serves nothing
        }
        if (!env.getProperty("server.ssl.enabled", Boolean.class, true)) {
            throw new IllegalStateException("server.ssl.enabled=false is not supported: Cloudwarden serves HTTPS only");
        }
        boolean configured = env.containsProperty("server.ssl.bundle") || env.containsProperty("server.ssl.certificate")
                || env.containsProperty("server.ssl.key-store");
        if (configured) {
            return;
        }
        String environment = env.getProperty("cloudwarden.environment", "dev");
        if (!"dev".equals(environment)) {
            throw new IllegalStateException("No TLS certificate configured (server.ssl.bundle or server.ssl.certificate): "
                    + "outside dev Cloudwarden will not start without one");
        }
        Path dir = Path.of(env.getProperty("cloudwarden.data-dir", "data")).toAbsolutePath().resolve("tls");
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (!Files.exists(cert) || !Files.exists(key)) {
            generate(dir, cert, key);
        }
        Map<String, Object> tls = new HashMap<>();
        for (String prefix : new String[] {"server.ssl.", "management.server.ssl."}) {
            tls.put(prefix + "certificate", "file:" + cert);
            tls.put(prefix + "certificate-private-key", "file:" + key);
        }
        env.getPropertySources().addLast(new MapPropertySource("cloudwarden-dev-tls", tls));
    }

    static void generate(Path dir, Path certFile, Path keyFile) {
        try {
            Files.createDirectories(dir);
            setMode(dir, "rwx------");
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=localhost,O=Cloudwarden development");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(397))), subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            writeAtomically(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)), "rw-------");
            writeAtomically(certFile, pem(certificate), "rw-r--r--");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the development TLS certificate under " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Could not generate the development TLS certificate", e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static void writeAtomically(Path target, String content, String mode) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), ".tmp-", ".pem");
        setMode(temp, mode);
        Files.writeString(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void setMode(Path path, String mode) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        }
    }
}
