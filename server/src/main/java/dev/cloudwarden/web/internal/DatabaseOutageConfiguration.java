package dev.cloudwarden.web.internal;

import dev.cloudwarden.tenancy.DatabaseAvailability;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.thymeleaf.spring6.view.ThymeleafViewResolver;

/** Registers {@link DatabaseOutageFilter} in front of every other filter, Spring Session's included. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class DatabaseOutageConfiguration {

    @Bean
    FilterRegistrationBean<DatabaseOutageFilter> databaseOutageFilter(DatabaseAvailability availability, ErrorResponses errors,
                                                                      ObjectProvider<ThymeleafViewResolver> views) {
        FilterRegistrationBean<DatabaseOutageFilter> registration =
                new FilterRegistrationBean<>(new DatabaseOutageFilter(availability, errors, views));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1); // right after the body limit, which never touches the database
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC);
        return registration;
    }
}
