package dev.cloudwarden.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SecretTest {

    record Carrier(String name, Secret password) {
    }

    @Test
    void aSecretNeverShowsItsValueInTextOrJson() {
        Secret secret = Secret.of("canary-3f9e-secret");
        assertThat(secret.toString()).isEqualTo("[REDACTED]");
        assertThat(String.valueOf(new Carrier("x", secret))).doesNotContain("canary");
        assertThat("failed for " + secret).doesNotContain("canary");
        JsonMapper json = JsonMapper.builder().build();
        assertThat(json.writeValueAsString(new Carrier("x", secret))).isEqualTo("{\"name\":\"x\",\"password\":\"[REDACTED]\"}");
        assertThat(json.readValue("{\"name\":\"x\",\"password\":\"canary-3f9e-secret\"}", Carrier.class).password().reveal())
                .isEqualTo("canary-3f9e-secret");
    }
}
