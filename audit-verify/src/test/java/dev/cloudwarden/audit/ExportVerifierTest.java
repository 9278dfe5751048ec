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

    /**
     * A fixed vector: the encoding is a contract with every verifier written elsewhere (docs/activity.md
     * shows the same event hashed by a ten-line Python program), so a change to field order, tag or
     * framing must fail here, not only in old exports.
     */
    @Test
    void theCanonicalEncodingMatchesItsPublishedTestVector() {
        Event e = new Event("0f8fad5b-d9cb-469f-a165-70867728950e", 1, "2026-12-01T09:00:00.123456Z", "user.signed_in", "user",
                "7c9e6679-7425-40de-944b-e07fc1f90ae7", "user", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "192.0.2.1", "curl/8.5",
                Map.of("second_factor", "none", "channel", "api"), null, null).linkedTo("0".repeat(64));
        assertThat(e.hash()).isEqualTo("a0d674cd4deae2bf54e150d642f641cf0dcafa6e6b04bba6e0bbebbb34706ac0");
        Digest d = new Digest(e.tenantId(), 1, 1, e.hash(), "2026-12-01T09:05:00.000000Z", "", "ed25519-0011223344556677", null);
        assertThat(java.util.HexFormat.of().formatHex(Canonical.sha256().digest(Canonical.digest(d))))
                .isEqualTo("b4a9c4561c3d734279379f9c973f840de20ac4e14b0d7c34f9e9f404d9f4a8dc");
    }

    @Test
    void anExportOfAnotherTenantOrCutBackToAnEarlierDigestFailsWhatTheAuditorExpects() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> lines = export(key, "k1", 6, 3);
        // cut back to the first digest: events #4..#6 and the last digest removed; on its own it verifies
        List<String> cut = List.of(lines.get(0), lines.get(1), lines.get(2), lines.get(6));
        Path file = Files.write(dir.resolve("cut.ndjson"), cut);
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }).verify(file).ok()).isTrue();
        Instant requested = Instant.now().plusSeconds(1);
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }, new ExportVerifier.Expect(null, requested)).verify(file).failure())
                .startsWith("the last digest was signed at ").contains("events after #3 may have been cut off");
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }, new ExportVerifier.Expect(UUID.randomUUID().toString(), null))
                .verify(file).failure()).startsWith("the export is the history of tenant " + tenant + ", not of ");
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }, new ExportVerifier.Expect(tenant, Instant.parse("2000-01-01T00:00:00Z")))
                .verify(file).ok()).isTrue();
    }

    @Test
    void aLineCarryingAFieldTheFormatDoesNotHaveOrAFieldTwiceIsRefused() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> lines = new ArrayList<>(export(key, "k1", 2, 2));
        List<String> extra = new ArrayList<>(lines);
        extra.set(0, extra.get(0).replace("\"actor\":{", "\"actor\":{\"email\":\"ceo@example.com\","));
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }).verify(Files.write(dir.resolve("a.ndjson"), extra)).failure())
                .isEqualTo("line 1: unexpected field actor.email");
        List<String> twice = new ArrayList<>(lines);
        twice.set(1, twice.get(1).replace("\"action\":", "\"action\":\"user.signed_up\",\"action\":"));
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }).verify(Files.write(dir.resolve("b.ndjson"), twice)).failure())
                .startsWith("line 2: not valid JSON (Duplicate").contains("action");
        List<String> hidden = new ArrayList<>(lines);
        hidden.add(hidden.get(hidden.size() - 1).replace("\"digest\"", "\"\\u0064igest\""));
        assertThat(hidden.get(hidden.size() - 1)).doesNotContain("digest");
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }).verify(Files.write(dir.resolve("d.ndjson"), hidden)).failure())
                .isEqualTo("line 4: a digest written so that a plain reading does not show it");
        List<String> empty = new ArrayList<>(lines);
        empty.set(0, empty.get(0).replace("\"sourceIp\":\"192.0.2.1\"", "\"sourceIp\":\"\""));
        assertThat(new ExportVerifier(keys(key, "k1", null), s -> { }).verify(Files.write(dir.resolve("c.ndjson"), empty)).failure())
                .isEqualTo("line 1: sourceIp is not a non-empty string");
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
            eventLines.add(ExportFormat.line(e));
            if (seq % every == 0 || seq == events) {
                Digest unsigned = new Digest(tenant, digested + 1, seq, e.hash(), Canonical.time(Instant.now()), previousSignature, keyId, null);
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key.getPrivate());
                s.update(Canonical.digest(unsigned));
                Digest d = new Digest(tenant, digested + 1, seq, e.hash(), unsigned.signedAt(), previousSignature, keyId,
                        Base64.getEncoder().encodeToString(s.sign()));
                digestLines.add(ExportFormat.line(d));
                previousSignature = d.signature();
                digested = seq;
            }
        }
        eventLines.addAll(digestLines);
        return eventLines;
    }
}
