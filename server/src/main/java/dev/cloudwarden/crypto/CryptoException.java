package dev.cloudwarden.crypto;

/**
 * A cryptographic operation failed: wrong key, tampered or misplaced ciphertext, or an unreachable
 * key service. The message says which operation and why in general terms; it never carries key
 * material, plaintext or ciphertext.
 */
public final class CryptoException extends RuntimeException {

    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        // The cause's own message may come from a library; it is kept for the type and stack, and
        // the log redaction layer guards its text.
        super(message, cause);
    }
}
