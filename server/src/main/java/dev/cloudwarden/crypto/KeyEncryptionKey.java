package dev.cloudwarden.crypto;

import com.google.crypto.tink.Aead;

/**
 * The key-encryption key (KEK) that wraps every tenant keyset. Implementations keep the key itself
 * outside the database: a local keyset file (dev only), AWS KMS, or Vault's Transit engine. Each
 * can decrypt what it encrypted under its earlier key versions, so rotation is "decrypt, encrypt
 * again" with the same object.
 */
public interface KeyEncryptionKey extends Aead {

    /** Which provider and key wrapped a keyset (e.g. {@code local:12345}, {@code aws-kms:alias/x}); stored next to it. */
    String id();
}
