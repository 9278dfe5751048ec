package dev.cloudwarden.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;

/**
 * A KEK kept in a Tink keyset file (AES-256-GCM), created on first start with mode 600. For
 * development only: the key sits on the same disk as the server, so the environment guard refuses
 * it outside dev. Rotation adds a key to the file and makes it primary; older keys stay to decrypt.
 */
final class LocalKek implements KeyEncryptionKey {

    private record State(KeysetHandle keyset, Aead aead) {
    }

    private final Path file;
    private volatile State state;

    private LocalKek(Path file, KeysetHandle keyset) throws GeneralSecurityException {
        this.file = file;
        this.state = new State(keyset, keyset.getPrimitive(ConfigurationV0.get(), Aead.class));
    }

    static LocalKek loadOrCreate(Path file) {
        TinkSetup.ensureRegistered();
        boolean exists = Files.exists(file);
        try {
            if (exists) {
                return new LocalKek(file, TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file), InsecureSecretKeyAccess.get()));
            }
            KeysetHandle fresh = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            write(file, fresh);
            return new LocalKek(file, fresh);
        } catch (GeneralSecurityException e) {
            throw new CryptoException(exists ? "The local KEK file " + file + " is not a valid Tink keyset"
                    : "Could not create the local KEK " + file, e);
        } catch (IOException e) {
            throw new CryptoException("The local KEK file " + file + " cannot be read or written", e);
        }
    }

    /** Adds a new primary key to the file and switches to it; the older keys stay to decrypt. */
    synchronized void rotate() {
        try {
            KeysetHandle rotated = KeysetHandle.newBuilder(state.keyset())
                    .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary())
                    .build();
            write(file, rotated);
            state = new State(rotated, rotated.getPrimitive(ConfigurationV0.get(), Aead.class));
        } catch (GeneralSecurityException | IOException e) {
            throw new CryptoException("Could not rotate the local KEK in " + file, e);
        }
    }

    @Override
    public String id() {
        return "local:" + Integer.toUnsignedString(state.keyset().getPrimary().getId());
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        return state.aead().encrypt(plaintext, associatedData);
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        return state.aead().decrypt(ciphertext, associatedData);
    }

    private static void write(Path file, KeysetHandle keyset) throws IOException, GeneralSecurityException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Path temp = Files.createTempFile(dir, ".kek-", ".tmp");
        if (posix) {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(temp, TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get()));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
