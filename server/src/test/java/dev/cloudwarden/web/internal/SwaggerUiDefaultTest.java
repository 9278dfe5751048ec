package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

/** The Swagger UI page is on in dev and off elsewhere, unless the operator says otherwise. */
class SwaggerUiDefaultTest {

    private static String enabled(MockEnvironment env) {
        new SwaggerUiDefault().postProcessEnvironment(env, new SpringApplication());
        return env.getProperty(SwaggerUiDefault.ENABLED);
    }

    @Test
    void onInDevOffInStagingAndProd() {
        assertThat(enabled(new MockEnvironment())).isEqualTo("true");
        assertThat(enabled(new MockEnvironment().withProperty("cloudwarden.environment", "dev"))).isEqualTo("true");
        assertThat(enabled(new MockEnvironment().withProperty("cloudwarden.environment", "staging"))).isEqualTo("false");
        assertThat(enabled(new MockEnvironment().withProperty("cloudwarden.environment", "prod"))).isEqualTo("false");
    }

    @Test
    void anExplicitSettingWins() {
        assertThat(enabled(new MockEnvironment().withProperty("cloudwarden.environment", "prod")
                .withProperty(SwaggerUiDefault.ENABLED, "true"))).isEqualTo("true");
        assertThat(enabled(new MockEnvironment().withProperty(SwaggerUiDefault.ENABLED, "false"))).isEqualTo("false");
    }
}
