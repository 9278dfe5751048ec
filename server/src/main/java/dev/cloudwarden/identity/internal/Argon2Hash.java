package dev.cloudwarden.identity.internal;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Argon2id hash in the PHC string format that Spring Security's {@code Argon2PasswordEncoder}
 * and libargon2's {@code argon2_hash} both write: {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>},
 * salt and hash in unpadded standard Base64. Parsing is strict and bounded, because the native
 * implementation allocates {@code memoryKib} for whatever a stored row says.
 */
record Argon2Hash(int version, int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {

    static final int VERSION_13 = 0x13;
    static final int VERSION_10 = 0x10;

    private static final Pattern FORMAT = Pattern.compile(
            "\\$argon2id(?:\\$v=(\\d{1,3}))?\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+={0,2})\\$([A-Za-z0-9+/]+={0,2})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    Argon2Hash {
        if (version != VERSION_13 && version != VERSION_10) {
            throw new IllegalArgumentException("unknown Argon2 version");
        }
        if (parallelism < 1 || parallelism > 64 || iterations < 1 || iterations > 1000) {
            throw new IllegalArgumentException("Argon2 parameters out of range");
        }
        // Argon2 needs 8 KiB per lane; a stored row may not ask for more than 1 GiB
        if (memoryKib < 8 * parallelism || memoryKib > 1024 * 1024) {
            throw new IllegalArgumentException("Argon2 memory out of range");
        }
        if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) {
            throw new IllegalArgumentException("Argon2 salt or hash length out of range");
        }
    }

    /** Parses an encoded hash; throws {@link IllegalArgumentException} for anything else (argon2i, argon2d included). */
    static Argon2Hash parse(String encoded) {
        Matcher m = FORMAT.matcher(encoded);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an Argon2id hash");
        }
        // without v= the hash predates version 1.3; Spring (BouncyCastle's default) reads it as 1.3 too
        int version = m.group(1) == null ? VERSION_13 : Integer.parseInt(m.group(1));
        return new Argon2Hash(version, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Base64.getDecoder().decode(m.group(5)), Base64.getDecoder().decode(m.group(6)));
    }

    String encode() {
        return "$argon2id$v=" + version + "$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** The same parameters and salt with another hash value. */
    Argon2Hash withHash(byte[] value) {
        return new Argon2Hash(version, memoryKib, iterations, parallelism, salt, value);
    }
}
