package dev.cloudwarden.web.internal;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The Swagger UI page is a developer tool: on in dev, off in staging and prod unless an operator
 * sets {@code springdoc.swagger-ui.enabled} (an explicit setting always wins). The OpenAPI document
 * itself stays on everywhere (docs/api.md says why).
 */
public class SwaggerUiDefault implements EnvironmentPostProcessor, Ordered {

    static final String ENABLED = "springdoc.swagger-ui.enabled";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after application.yaml, the environment and the command line are loaded
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (env.containsProperty(ENABLED)) {
            return;
        }
        boolean dev = "dev".equals(env.getProperty("cloudwarden.environment", "dev"));
        env.getPropertySources().addLast(new MapPropertySource("cloudwarden-swagger-ui-default", Map.of(ENABLED, dev)));
    }
}
