package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** As staging and prod run by default (SwaggerUiDefault): no Swagger UI page, the API document still served. */
@TestPropertySource(properties = "springdoc.swagger-ui.enabled=false")
class SwaggerUiOffTest extends IntegrationTest {

    @Test
    void withoutTheUiTheDocumentIsStillServedAndTheUiIsGone() {
        assertThat(api.get("/v3/api-docs", null).status()).isEqualTo(200);
        assertThat(api.get("/v3/api-docs.yaml", null).status()).isEqualTo(200);
        assertThat(api.get("/swagger-ui.html", null).status()).isEqualTo(404);
        assertThat(api.get("/swagger-ui/index.html", null).status()).isEqualTo(404);
        assertThat(api.get("/swagger-ui/swagger-initializer.js", null).status()).isEqualTo(404);
        assertThat(api.get("/v3/api-docs/swagger-config", null).status()).isEqualTo(404);
        // the library's files are not reachable another way either (the webjar path needs a signed-in user)
        assertThat(api.get("/webjars/swagger-ui/index.html", null).status()).isNotEqualTo(200);
    }
}
