package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The sandbox AWS starts by default in dev only; anywhere else only when asked (and the prod guard refuses that). */
class SandboxSwitchTest {

    @Test
    void onByDefaultInDevOnly() {
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment())).isTrue();
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment().withProperty("cloudwarden.environment", "dev"))).isTrue();
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment().withProperty("cloudwarden.environment", "staging"))).isFalse();
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment().withProperty("cloudwarden.environment", "prod"))).isFalse();
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment().withProperty("cloudwarden.environment", "dev")
                .withProperty("cloudwarden.cloud.sandbox.enabled", "false"))).isFalse();
        assertThat(CloudConfiguration.sandboxEnabled(new MockEnvironment().withProperty("cloudwarden.environment", "staging")
                .withProperty("cloudwarden.cloud.sandbox.enabled", "true"))).isTrue();
    }
}
