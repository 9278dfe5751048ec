package dev.cloudwarden.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The verifier on its own, with a chain and digests made here by a third party's rules (the
 * documented encoding and a JDK Ed25519 key): what it accepts, what it refuses, its exit codes.
 * The tampering cases on a real export are in the server's ActivityExportTest.
 */
class ExportVerifierTest {

    @TempDir
    Path dir;

    private final String tenant = UUID.randomUUID().toString();

    @Test
    void aChainWithDigestsVerifiesAndKeyValidityIsEnforced() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> lines = export(key, "k1", 7, 4);
        Path file = Files.write(dir.resolve("export.ndjson"), lines);

        ExportVerifier.Result ok = new ExportVerifier(keys(key, "k1", null), s -> { }).verify(file);
        assertThat(ok.ok()).as(ok.failure()).isTrue();
        assertThat(ok.events()).isEqualTo(7);
        assertThat(ok.digests()).isEqualTo(2);

        // the same key, published as retired before the digests were signed
        ExportVerifier.Result expired = new ExportVerifier(keys(key, "k1", "2000-01-02T00:00:00.000000Z"), s -> { }).verify(file);
        assertThat(expired.failure()).contains("when key k1 was not valid");
    }

    @Test
    void anEventAppendedAfterTheDigestsIsCaught() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> lines = new ArrayList<>(export(key, "k1", 3, 3));
        lines.add(lines.get(0));
        ExportVerifier.Result r = new ExportVerifier(keys(key, "k1", null), s -> { }).verify(Files.write(dir.resolve("x.ndjson"), lines));
        assertThat(r.failure()).isEqualTo("event #1 (line 5) comes after the digests: events were appended to the export");
    }

    @Test
    void theCommandSaysWhatItCheckedAndExitsByTheResult() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path file = Files.write(dir.resolve("export.ndjson"), export(key, "k1", 5, 5));
        Path keys = dir.resolve("keys.json");
        JsonMapper.builder().build().writeValue(keys.toFile(), keys(key, "k1", null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(VerifyCommand.run(new String[] {file.toString(), keys.toString()}, print(out), print(err))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("OK: tenant " + tenant + ": events #1..#5 verified");

        List<String> broken = new ArrayList<>(Files.readAllLines(file));
        broken.set(2, broken.get(2).replace("\"seq\":3", "\"seq\":4"));
        Files.write(file, broken);
        assertThat(VerifyCommand.run(new String[] {file.toString(), "--keys", keys.toString()}, print(out), print(err))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("FAILED: line 3: expected event #3, found #4");
        assertThat(VerifyCommand.run(new String[] {file.toString()}, print(out), print(err))).isEqualTo(2);
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    private PublishedKeys keys(KeyPair key, String id, String validUntil) {
        return new PublishedKeys(List.of(new PublishedKeys.Key(id, "Ed25519", Base64.getEncoder().encodeToString(key.getPublic().getEncoded()),
                "2000-01-01T00:00:00.000000Z", validUntil)));
    }

    /** {@code events} events, a digest every {@code every} events and one at the end. */
    private List<String> export(KeyPair key, String keyId, int events, int every) throws Exception {
        List<String> eventLines = new ArrayList<>();
        List<String> digestLines = new ArrayList<>();
        String previous = "0".repeat(64);
        String previousSignature = "";
        long digested = 0;
        for (int seq = 1; seq <= events; seq++) {
            Event e = new Event(tenant, seq, Canonical.time(Instant.now()), "user.signed_in", "user", UUID.randomUUID().toString(),
                    "user", UUID.randomUUID().toString(), "192.0.2.1", "test", Map.of("channel", "api", "note", "é\n\"x\""), null, null)
                    .linkedTo(previous);
            previous = e.hash();
            eventLines.add(line(g -> ExportFormat.write(g, e)));
            if (seq % every == 0 || seq == events) {
                Digest unsigned = new Digest(tenant, digested + 1, seq, e.hash(), Canonical.time(Instant.now()), previousSignature, keyId, null);
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key.getPrivate());
                s.update(Canonical.digest(unsigned));
                Digest d = new Digest(tenant, digested + 1, seq, e.hash(), unsigned.signedAt(), previousSignature, keyId,
                        Base64.getEncoder().encodeToString(s.sign()));
                digestLines.add(line(g -> ExportFormat.write(g, d)));
                previousSignature = d.signature();
                digested = seq;
            }
        }
        eventLines.addAll(digestLines);
        return eventLines;
    }

    private interface Writing {
        void to(JsonGenerator g);
    }

    private static String line(Writing w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = ExportFormat.lines(out)) {
            w.to(g);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
