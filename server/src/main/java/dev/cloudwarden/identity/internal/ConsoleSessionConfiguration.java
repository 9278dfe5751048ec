package dev.cloudwarden.identity.internal;

import dev.cloudwarden.tenancy.DatabaseAvailability;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.Cookie;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.session.web.http.DefaultCookieSerializer;

/**
 * Console sessions live in PostgreSQL (Spring Session JDBC, schema from our migration V6), so any
 * node serves any user. On top of Spring Boot's set-up: the cookie carries a secret whose hash is the
 * stored id ({@link HashedSessionIds}); the cookie keeps the {@code server.servlet.session.cookie.*}
 * settings and must stay Secure and HttpOnly; attributes are stored as JSON of ids
 * ({@link ConsoleSessionAttributes}), never Java-serialised and never an email; expired sessions are cleaned up by idle time and by
 * the absolute lifetime ({@link ConsoleSessionCleanup}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ConsoleSessionConfiguration {

    @Bean
    HashedSessionIds consoleSessionIds(ServerProperties server) {
        return new HashedSessionIds(cookieSerializer(server.getServlet().getSession().getCookie()));
    }

    @Bean
    SessionRepositoryCustomizer<JdbcIndexedSessionRepository> absoluteLifetimeCleanup(ConsoleSessions sessions) {
        // Runs after Spring Boot's customizer (which sets the table name and resets the statements).
        GenericConversionService attributes = new GenericConversionService();
        attributes.addConverter(new ConsoleSessionAttributes());
        return repository -> {
            repository.setConversionService(attributes); // JSON of ids, never Java serialisation
            repository.setDeleteSessionsByExpiryTimeQuery(sessions.cleanupQuery());
            repository.setCleanupCron(Scheduled.CRON_DISABLED); // ConsoleSessionCleanup runs it instead
        };
    }

    @Bean
    ConsoleSessionCleanup consoleSessionCleanup(JdbcIndexedSessionRepository repository, DatabaseAvailability availability,
                                                @Value("${spring.session.jdbc.cleanup-cron:0 * * * * *}") String cron) {
        return new ConsoleSessionCleanup(repository, availability, cron);
    }

    /** The same mapping Spring Boot applies to its own serializer, plus the attributes we insist on. */
    static DefaultCookieSerializer cookieSerializer(Cookie cookie) {
        if (!Boolean.TRUE.equals(cookie.getSecure()) || !Boolean.TRUE.equals(cookie.getHttpOnly())) {
            throw new IllegalStateException("server.servlet.session.cookie.secure and http-only must be true");
        }
        if (cookie.getSameSite() == null || cookie.getSameSite() == Cookie.SameSite.NONE || cookie.getSameSite() == Cookie.SameSite.OMITTED) {
            throw new IllegalStateException("server.servlet.session.cookie.same-site must be strict or lax");
        }
        String name = cookie.getName() == null ? "SESSION" : cookie.getName();
        if (name.startsWith("__Host-") && (cookie.getDomain() != null || !"/".equals(cookie.getPath()))) {
            throw new IllegalStateException("a __Host- cookie needs server.servlet.session.cookie.path=/ and no domain");
        }
        DefaultCookieSerializer serializer = new DefaultCookieSerializer();
        serializer.setCookieName(name);
        serializer.setCookiePath(cookie.getPath() == null ? "/" : cookie.getPath());
        if (cookie.getDomain() != null) {
            serializer.setDomainName(cookie.getDomain());
        }
        serializer.setUseSecureCookie(true);
        serializer.setUseHttpOnlyCookie(true);
        serializer.setSameSite(cookie.getSameSite().attributeValue());
        if (cookie.getMaxAge() != null) {
            serializer.setCookieMaxAge((int) cookie.getMaxAge().getSeconds());
        }
        // The value is already base64url (HashedSessionIds); no second encoding.
        serializer.setUseBase64Encoding(false);
        return serializer;
    }
}
