package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.crypto.EncryptedColumn;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The encrypted columns this module owns, declared for key maintenance. */
@Configuration(proxyBeanMethods = false)
class MfaColumns {

    @Bean
    EncryptedColumn totpSecretColumn() {
        return MfaService.SECRET_COLUMN;
    }
}
