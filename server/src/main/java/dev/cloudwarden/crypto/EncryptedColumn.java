package dev.cloudwarden.crypto;

/**
 * A column holding field ciphertexts, declared by the module that owns it so key maintenance can
 * find every value to re-encrypt. Names come from code, never from input.
 *
 * @param idColumn the row id that is bound into each ciphertext's associated data
 */
public record EncryptedColumn(String table, String idColumn, String column) {

    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]*");

    public EncryptedColumn {
        for (String name : new String[] {table, idColumn, column}) {
            if (name == null || !IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException("not a plain SQL identifier: " + name);
            }
        }
    }

    public FieldCrypto.Field field() {
        return new FieldCrypto.Field(table, column);
    }
}
