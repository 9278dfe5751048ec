package dev.cloudwarden.identity.internal;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The reference Argon2 in C (Debian's {@code libargon2-1}) through JNA: about 1.5x BouncyCastle's
 * rate on the same core, with the same output. The password travels in native memory that is wiped
 * right after the call.
 */
final class NativeArgon2 implements Argon2Function {

    /** {@code argon2.h}: {@code Argon2_id}. */
    private static final int ARGON2_ID = 2;
    private static final int ARGON2_OK = 0;

    /** The one entry point used: raw output only ({@code encoded} = NULL), any version. */
    interface LibArgon2 extends Library {
        int argon2_hash(int tCost, int mCost, int parallelism, Pointer pwd, NativeLong pwdlen, byte[] salt,
                        NativeLong saltlen, byte[] hash, NativeLong hashlen, Pointer encoded, NativeLong encodedlen,
                        int type, int version);

        String argon2_error_message(int errorCode);
    }

    private final LibArgon2 lib;
    private final String file;

    private NativeArgon2(LibArgon2 lib, String file) {
        this.lib = lib;
        this.file = file;
    }

    /**
     * Loads {@code library} and checks that it computes exactly what BouncyCastle computes (a small
     * known-answer test, under a millisecond). Throws {@link LinkageError} when the library or JNA's
     * own native part cannot be loaded, {@link IllegalStateException} when the output differs.
     */
    static NativeArgon2 load(String library) {
        LibArgon2 lib = Native.load(library, LibArgon2.class);
        NativeArgon2 argon2 = new NativeArgon2(lib, NativeLibrary.getInstance(library).getFile().toString());
        Argon2Hash probe = new Argon2Hash(Argon2Hash.VERSION_13, 64, 2, 1, "cloudwarden-kat-salt".getBytes(StandardCharsets.US_ASCII), new byte[32]);
        for (Argon2Hash params : new Argon2Hash[] {probe, new Argon2Hash(Argon2Hash.VERSION_10, 64, 2, 1, probe.salt(), probe.hash())}) {
            byte[] password = "p\u00e4ssw\u00f6rd".getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(argon2.compute(password, params, 32), new JavaArgon2().compute(password, params, 32))) {
                throw new IllegalStateException(library + " computes a different Argon2id than BouncyCastle");
            }
        }
        return argon2;
    }

    @Override
    public byte[] compute(byte[] password, Argon2Hash params, int hashLength) {
        byte[] out = new byte[hashLength];
        try (Memory pwd = new Memory(Math.max(1, password.length))) {
            pwd.write(0, password, 0, password.length);
            try {
                int rc = lib.argon2_hash(params.iterations(), params.memoryKib(), params.parallelism(), pwd,
                        new NativeLong(password.length), params.salt(), new NativeLong(params.salt().length), out,
                        new NativeLong(hashLength), null, new NativeLong(0), ARGON2_ID, params.version());
                if (rc != ARGON2_OK) {
                    throw new IllegalStateException("libargon2 failed: " + lib.argon2_error_message(rc));
                }
            } finally {
                pwd.clear();
            }
        }
        return out;
    }

    @Override
    public String implementation() {
        return "native";
    }

    /** Where the library was loaded from, for the start-up log. */
    String file() {
        return file;
    }
}
