package dev.cloudwarden.crypto;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A KEK in HashiCorp Vault's Transit engine, over its HTTP API ({@code POST /v1/<mount>/encrypt/<key>},
 * {@code .../decrypt/<key>}). Transit's ciphertexts carry their key version ({@code vault:v3:...}),
 * so keys rotated in Vault keep decrypting. Transit binds extra context only for derived keys, so
 * the associated data is framed into the plaintext instead and checked after decryption: a keyset
 * wrapped for one tenant or environment does not unwrap for another.
 */
final class VaultTransitKek implements KeyEncryptionKey {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final KekSettings.VaultTransit settings;
    private final URI encryptUri;
    private final URI decryptUri;

    VaultTransitKek(KekSettings.VaultTransit settings) {
        if (settings.address() == null || settings.token() == null || settings.token().isBlank()) {
            throw new IllegalStateException("cloudwarden.kek.vault-transit.address and .token are required when cloudwarden.kek.provider=vault-transit");
        }
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        String base = settings.address().toString().replaceAll("/+$", "") + "/v1/" + settings.mount() + "/";
        this.encryptUri = URI.create(base + "encrypt/" + settings.key());
        this.decryptUri = URI.create(base + "decrypt/" + settings.key());
    }

    @Override
    public String id() {
        return "vault-transit:" + settings.mount() + "/" + settings.key();
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        byte[] framed = ByteBuffer.allocate(4 + associatedData.length + plaintext.length)
                .putInt(associatedData.length).put(associatedData).put(plaintext).array();
        JsonNode data = call(encryptUri, "plaintext", Base64.getEncoder().encodeToString(framed));
        String ciphertext = data.path("ciphertext").asString("");
        if (!ciphertext.startsWith("vault:")) {
            throw new GeneralSecurityException("Vault Transit encrypt returned no ciphertext");
        }
        return ciphertext.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        JsonNode data = call(decryptUri, "ciphertext", new String(ciphertext, StandardCharsets.US_ASCII));
        byte[] framed;
        try {
            framed = Base64.getDecoder().decode(data.path("plaintext").asString(""));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("Vault Transit decrypt returned malformed plaintext");
        }
        ByteBuffer in = ByteBuffer.wrap(framed);
        if (framed.length < 4) {
            throw new GeneralSecurityException("Vault Transit plaintext is not a Cloudwarden envelope");
        }
        int adLength = in.getInt();
        if (adLength < 0 || adLength > framed.length - 4
                || !MessageDigest.isEqual(Arrays.copyOfRange(framed, 4, 4 + adLength), associatedData)) {
            throw new GeneralSecurityException("Vault Transit ciphertext belongs to another context");
        }
        return Arrays.copyOfRange(framed, 4 + adLength, framed.length);
    }

    private JsonNode call(URI uri, String field, String value) throws GeneralSecurityException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(settings.timeout())
                .header("X-Vault-Token", settings.token().reveal())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(java.util.Map.of(field, value))))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new GeneralSecurityException("Vault Transit is unreachable: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GeneralSecurityException("interrupted while calling Vault Transit");
        }
        if (response.statusCode() != 200) {
            // Vault's error texts describe the request, never our plaintext; still, only the status is kept.
            throw new GeneralSecurityException("Vault Transit answered HTTP " + response.statusCode());
        }
        try {
            return JSON.readTree(response.body()).path("data");
        } catch (RuntimeException e) {
            throw new GeneralSecurityException("Vault Transit answered with malformed JSON");
        }
    }
}
