package dev.cloudwarden.crypto;

import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One field encrypted and decrypted through {@link FieldCrypto} (tenant key lookup, associated data,
 * Tink AES-256-GCM) against the bare JCE AES-256-GCM it is built on, in the same run: the ratio is
 * the facade's cost. The tenant's keys sit in the keyring's cache, as on a warm server; no database.
 * Lives in this package because the constructors it needs are package-private.
 */
@State(Scope.Thread) // the JCE Cipher below is not thread-safe
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FieldCryptoBenchmark {

    private static final FieldCrypto.Field FIELD = new FieldCrypto.Field("tenants", "name_ciphertext");
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    @Param({"64", "256", "4096"})
    public int size;

    private final UUID tenant = UUID.randomUUID();
    private final UUID row = UUID.randomUUID();
    private final SecureRandom random = new SecureRandom();
    private Path dir;
    private FieldCrypto crypto;
    private byte[] plaintext;
    // raw JCE baseline
    private Cipher cipher;
    private SecretKeySpec key;
    private byte[] aad;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("cloudwarden-bench");
        CloudwardenProperties platform = new CloudwardenProperties(CloudwardenProperties.Environment.dev, dir, null, null);
        // JdbcClient and TransactionTemplate are only used on a cache miss or an epoch check, neither of
        // which happens here: the epoch check interval is longer than the run. The hot path measured is
        // the one every call takes between two checks (cache lookup and interval test).
        TenantKeyring keyring = new TenantKeyring(null, null, new TenantContext(), LocalKek.loadOrCreate(dir.resolve("kek.json")),
                platform, 100, Duration.ofDays(1), Duration.ofDays(1));
        keyring.warm(keyring.generate(tenant), 1);
        crypto = new FieldCrypto(keyring, platform);

        plaintext = new byte[size];
        random.nextBytes(plaintext);
        byte[] keyBytes = new byte[32];
        random.nextBytes(keyBytes);
        key = new SecretKeySpec(keyBytes, "AES");
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        // the exact associated data the facade builds for this field (it rebuilds it on every call)
        aad = TenantKeyring.AssociatedData.of("cloudwarden:field:v1", platform.environment().name(), tenant.toString(),
                FIELD.table(), FIELD.column(), row.toString());

        if (!Arrays.equals(facadeEncryptDecrypt(), plaintext) || !Arrays.equals(rawJceEncryptDecrypt(), plaintext)) {
            throw new IllegalStateException("round trip failed");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public byte[] facadeEncryptDecrypt() {
        byte[] ciphertext = crypto.encrypt(tenant, FIELD, row, plaintext);
        return crypto.decrypt(tenant, FIELD, row, ciphertext);
    }

    /** AES-256-GCM, fresh random 12-byte IV per value, output IV || ciphertext || tag, as Tink does. */
    @Benchmark
    public byte[] rawJceEncryptDecrypt() throws Exception {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        byte[] out = new byte[IV_BYTES + plaintext.length + TAG_BITS / 8];
        System.arraycopy(iv, 0, out, 0, IV_BYTES);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(aad);
        cipher.doFinal(plaintext, 0, plaintext.length, out, IV_BYTES);

        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, out, 0, IV_BYTES));
        cipher.updateAAD(aad);
        return cipher.doFinal(out, IV_BYTES, out.length - IV_BYTES);
    }
}
