package dev.cloudwarden.web.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * The body limit as the outermost servlet filter, ahead of Spring Security and every other filter:
 * a filter that reads the body before authentication (Spring's FormContentFilter did, for PUT,
 * PATCH and DELETE forms; it is now off in application.yaml) can never read more than the limit.
 * Tomcat's own body reading (POST form parameters, draining an unread body after an answer) is held
 * to the same limit in application.yaml.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class RequestBodyLimitConfiguration {

    static final String FILTER_NAME = "requestBodyLimit";

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimit(@Value("${cloudwarden.http.max-body-size:64KB}") DataSize limit) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(new RequestBodyLimitFilter(limit));
        registration.setName(FILTER_NAME);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * Error answers (rendered in the container's error dispatch) are sent whole, with their length,
     * when the dispatch ends: a client still sending a body the server refused gets the complete
     * answer before the connection closes, instead of a chunked one whose last chunk races the close.
     */
    @Bean
    FilterRegistrationBean<HttpFilter> wholeErrorAnswers() {
        FilterRegistrationBean<HttpFilter> registration = new FilterRegistrationBean<>(new HttpFilter() {
            @Override
            protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws IOException, ServletException {
                ContentCachingResponseWrapper whole = new ContentCachingResponseWrapper(response);
                try {
                    chain.doFilter(request, whole);
                } finally {
                    whole.copyBodyToResponse();
                }
            }
        });
        registration.setName("wholeErrorAnswers");
        registration.setDispatcherTypes(DispatcherType.ERROR);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * After a 413, Tomcat closes the connection cleanly (the whole answer first) without reading the
     * rest of the body. By default it would try to drain the rest, and a declared length above
     * {@code server.tomcat.max-swallow-size} would then end the connection before the answer's end.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> noDrainingAfter413() {
        return factory -> factory.addContextCustomizers(context -> context.setSwallowAbortedUploads(false));
    }
}
