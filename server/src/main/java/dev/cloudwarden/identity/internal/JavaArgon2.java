package dev.cloudwarden.identity.internal;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/** BouncyCastle's pure-Java Argon2id, the code Spring Security's Argon2PasswordEncoder runs: the fallback everywhere. */
final class JavaArgon2 implements Argon2Function {

    @Override
    public byte[] compute(byte[] password, Argon2Hash params, int hashLength) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(params.version())
                .withMemoryAsKB(params.memoryKib())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .withSalt(params.salt())
                .build());
        byte[] out = new byte[hashLength];
        generator.generateBytes(password, out);
        return out;
    }

    @Override
    public String implementation() {
        return "java";
    }
}
