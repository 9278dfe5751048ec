package dev.cloudwarden.identity.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.web.http.CookieSerializer;
import org.springframework.session.web.http.HttpSessionIdResolver;

/**
 * Console session ids that are useless when read from the database. The cookie carries a 256-bit
 * random secret; Spring Session stores and looks up only its SHA-256 (the "session id" as Spring
 * Session sees it). A copy of {@code spring_session} — a backup, a pg_dump, a read-only replica —
 * therefore opens no session, like the keyed hashes of API tokens.
 *
 * <p>Spring Session asks the {@link SessionIdGenerator} for an id when it creates a session or
 * rotates its id (sign-in), and later, in the same request, asks the {@link HttpSessionIdResolver}
 * to write that id to the cookie. Between the two this class remembers which secret belongs to
 * which hash, in memory, for a few minutes at most; the secret itself is never stored anywhere.
 */
final class HashedSessionIds implements SessionIdGenerator, HttpSessionIdResolver {

    private static final Logger log = LoggerFactory.getLogger(HashedSessionIds.class);
    private static final String WRITTEN = HashedSessionIds.class.getName() + ".written";
    private static final int RANDOM_BYTES = 32;
    private static final int MAX_COOKIE_LENGTH = 100;
    private static final byte[] DOMAIN = "cloudwarden:console-session:v1:".getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random = new SecureRandom();
    private final CookieSerializer cookies;
    /** hash → secret, from the moment an id is generated until its cookie is written in the same request. */
    private final Cache<String, String> pending = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).build();

    HashedSessionIds(CookieSerializer cookies) {
        this.cookies = cookies;
    }

    @Override
    public String generate() {
        byte[] secret = new byte[RANDOM_BYTES];
        random.nextBytes(secret);
        String cookieValue = ENCODER.encodeToString(secret);
        String id = storedId(cookieValue);
        pending.put(id, cookieValue);
        return id;
    }

    @Override
    public List<String> resolveSessionIds(HttpServletRequest request) {
        return cookies.readCookieValues(request).stream()
                .filter(value -> !value.isEmpty() && value.length() <= MAX_COOKIE_LENGTH)
                .map(HashedSessionIds::storedId)
                .toList();
    }

    @Override
    public void setSessionId(HttpServletRequest request, HttpServletResponse response, String sessionId) {
        if (sessionId.equals(request.getAttribute(WRITTEN))) {
            return;
        }
        String cookieValue = pending.asMap().remove(sessionId);
        if (cookieValue == null) {
            // Not generated here, or generated too long ago: no cookie can be derived from a hash.
            log.warn("A console session id had no pending cookie value; the client gets no session cookie");
            expireSession(request, response);
            return;
        }
        request.setAttribute(WRITTEN, sessionId);
        cookies.writeCookieValue(new CookieSerializer.CookieValue(request, response, cookieValue));
    }

    @Override
    public void expireSession(HttpServletRequest request, HttpServletResponse response) {
        cookies.writeCookieValue(new CookieSerializer.CookieValue(request, response, ""));
    }

    /** The id Spring Session stores for a cookie value: base64url(SHA-256(domain ‖ value)), 43 characters. */
    static String storedId(String cookieValue) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(DOMAIN);
            return ENCODER.encodeToString(sha256.digest(cookieValue.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
