package dev.cloudwarden.crypto;

import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.prf.PrfConfig;
import java.security.GeneralSecurityException;

/** Registers the Tink key managers Cloudwarden uses (key generation needs them), once per JVM. */
final class TinkSetup {

    static {
        try {
            AeadConfig.register();
            PrfConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TinkSetup() {
    }

    /** Touching this class runs the registration above. */
    static void ensureRegistered() {
        // the static initializer did the work
    }
}
