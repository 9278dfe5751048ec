package dev.cloudwarden.agent;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The agent's only way out: HTTPS with the JDK's client (outbound; nothing listens). The server's
 * certificate must be valid for its host name under the given CA (or the system's), and after
 * enrolment its SHA-256 must also be the one pinned then.
 */
final class Transport {

    private Transport() {
    }

    /** A client trusting {@code caPem} (null: the system's CAs), refusing any certificate but {@code pin} when one is set. */
    static HttpClient client(String caPem, String pin, AtomicReference<String> seen) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caPem == null) {
            factory.init((KeyStore) null);
        } else {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            try {
                trust.load(null, null);
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException("empty key store", e);
            }
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in the CA file");
            }
            factory.init(trust);
        }
        X509ExtendedTrustManager delegate = null;
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                delegate = x;
            }
        }
        if (delegate == null) {
            throw new GeneralSecurityException("no X.509 trust manager");
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new Pinned(delegate, pin, seen)}, null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    static String sha256(X509Certificate certificate) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
    }

    /** The system's (or CA file's) checks, host name included, then the pin. */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final String pin;
        private final AtomicReference<String> seen;

        Pinned(X509ExtendedTrustManager delegate, String pin, AtomicReference<String> seen) {
            this.delegate = delegate;
            this.pin = pin;
            this.seen = seen;
        }

        private void pinned(X509Certificate[] chain) throws CertificateException {
            String fingerprint = sha256(chain[0]);
            if (pin != null && !MessageDigest.isEqual(pin.getBytes(StandardCharsets.US_ASCII), fingerprint.getBytes(StandardCharsets.US_ASCII))) {
                throw new CertificateException("the server's certificate is not the one pinned at enrolment");
            }
            if (seen != null) {
                seen.set(fingerprint);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
            pinned(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
            pinned(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
            pinned(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the agent accepts no connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the agent accepts no connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the agent accepts no connections");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
