package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.Event;
import dev.cloudwarden.audit.ExportFormat;
import dev.cloudwarden.audit.ExportVerifier;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export from the running server verifies offline against the published keys, and every kind of
 * tampering is caught with the event or digest named: a changed field, a deleted event, two swapped
 * events, a truncated tail, an event inserted mid-chain with every hash after it recomputed (only
 * the digest signature can tell), a forged digest, a digest signed by an unpublished key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivityExportTest extends IntegrationTest {

    @TempDir
    static Path dir;

    private List<String> lines;
    private Path keys;
    private Api.Tenant tenant;

    @BeforeAll
    void export() throws Exception {
        Api client = new Api(port);
        tenant = client.signUpAndSignIn("Export test");
        // a few more events, and a digest in the middle so the export holds two
        for (int i = 0; i < 3; i++) {
            assertThat(client.post("/api/v1/sessions", Map.of("email", tenant.email(), "password", Api.PASSWORD + "-wrong"), null).status())
                    .isEqualTo(401);
        }
        assertThat(client.get("/api/v1/activity/export", tenant.token()).status()).isEqualTo(200);
        client.signIn(tenant.email(), Api.PASSWORD);
        Api.Response export = client.get("/api/v1/activity/export", tenant.token());
        assertThat(export.status()).isEqualTo(200);
        assertThat(export.header("Content-Type")).startsWith("application/x-ndjson");
        lines = export.body().lines().filter(l -> !l.isBlank()).toList();
        Api.Response published = client.get("/.well-known/cloudwarden-audit-keys.json", null);
        assertThat(published.status()).isEqualTo(200);
        keys = Files.writeString(dir.resolve("keys.json"), published.body());
    }

    @Test
    void anUntouchedExportVerifiesWithThePublishedKeys() throws Exception {
        assertThat(lines).anyMatch(l -> l.contains("\"action\":\"user.signed_up\"")).anyMatch(l -> l.contains("\"action\":\"user.signed_in\""));
        long digests = lines.stream().filter(l -> l.contains("\"type\":\"digest\"")).count();
        assertThat(digests).as("one digest per export at least; the first export made one too").isGreaterThanOrEqualTo(2);
        ExportVerifier.Result result = verify(lines);
        assertThat(result.failure()).isNull();
        assertThat(result.ok()).isTrue();
        assertThat(result.events()).isEqualTo(lines.size() - digests);
        assertThat(result.tenantId()).isEqualTo(tenant.tenantId().toString());
        assertThat(lines.get(lines.size() - 1)).as("the last line is a digest covering the last event")
                .contains("\"lastSeq\":" + result.events());
    }

    @Test
    void aChangedFieldIsCaughtAtItsEvent() throws Exception {
        List<String> changed = new ArrayList<>(lines);
        changed.set(1, changed.get(1).replaceFirst("\"sourceIp\":\"[^\"]*\"", "\"sourceIp\":\"203.0.113.9\""));
        assertThat(changed.get(1)).isNotEqualTo(lines.get(1));
        assertThat(verify(changed).failure()).startsWith("event #2 (line 2): its hash does not match its content");
    }

    @Test
    void aDeletedEventIsCaught() throws Exception {
        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(2);
        assertThat(verify(deleted).failure()).isEqualTo("line 3: expected event #3, found #4 (events are missing or out of order)");
    }

    @Test
    void twoSwappedEventsAreCaught() throws Exception {
        List<String> swapped = new ArrayList<>(lines);
        swapped.set(1, lines.get(2));
        swapped.set(2, lines.get(1));
        assertThat(verify(swapped).failure()).isEqualTo("line 2: expected event #2, found #3 (events are missing or out of order)");
    }

    @Test
    void aTruncatedTailIsCaught() throws Exception {
        int firstDigest = firstDigestLine();
        List<String> truncated = new ArrayList<>(lines);
        truncated.remove(firstDigest - 1); // the last event, digests kept
        assertThat(verify(truncated).failure()).contains("covers up to event #" + (firstDigest) + " but the export ends at #" + (firstDigest - 1));
        List<String> alsoDigests = new ArrayList<>(lines.subList(0, firstDigest - 1)); // events only: nothing signed
        assertThat(verify(alsoDigests).failure()).isEqualTo("the export holds no digest: nothing in it is signed");
    }

    @Test
    void anEventInsertedMidChainWithRecomputedHashesIsCaughtByTheDigestSignature() throws Exception {
        int events = firstDigestLine();
        List<Event> chain = new ArrayList<>();
        for (String line : lines.subList(0, events)) {
            chain.add((Event) ExportFormat.read(Api.JSON.readTree(line)));
        }
        Event forged = new Event(chain.get(0).tenantId(), 0, Canonical.time(Instant.now()), "user.signed_in", "user",
                tenant.userId().toString(), "user", tenant.userId().toString(), "198.51.100.7", "forger", Map.of(), null, null);
        chain.add(2, forged);
        List<String> rewritten = new ArrayList<>();
        String previous = "0".repeat(64);
        for (int i = 0; i < chain.size(); i++) {
            Event e = chain.get(i);
            Event renumbered = new Event(e.tenantId(), i + 1, e.occurredAt(), e.action(), e.actorType(), e.actorId(), e.targetType(),
                    e.targetId(), e.sourceIp(), e.userAgent(), e.details(), null, null).linkedTo(previous);
            previous = renumbered.hash();
            rewritten.add(ExportFormat.line(renumbered));
        }
        rewritten.addAll(lines.subList(events, lines.size()));
        String failure = verify(rewritten).failure();
        assertThat(failure).startsWith("digest of events #1..#").contains("it signed a different hash for event #");
    }

    @Test
    void aForgedDigestIsCaught() throws Exception {
        List<String> forged = new ArrayList<>(lines);
        int last = forged.size() - 1;
        Digest d = (Digest) ExportFormat.read(Api.JSON.readTree(forged.get(last)));
        byte[] signature = Base64.getDecoder().decode(d.signature());
        signature[10] ^= 1;
        Digest tampered = new Digest(d.tenantId(), d.firstSeq(), d.lastSeq(), d.lastHash(), d.signedAt(), d.previousSignature(), d.keyId(),
                Base64.getEncoder().encodeToString(signature));
        forged.set(last, ExportFormat.line(tampered));
        assertThat(verify(forged).failure()).contains("(line " + (last + 1) + "): its signature does not verify with key " + d.keyId());
    }

    @Test
    void aDigestSignedByAnUnpublishedKeyIsCaught() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        KeyPair attacker = generator.generateKeyPair();
        List<String> forged = new ArrayList<>(lines);
        int last = forged.size() - 1;
        Digest d = (Digest) ExportFormat.read(Api.JSON.readTree(forged.get(last)));
        Digest unsigned = new Digest(d.tenantId(), d.firstSeq(), d.lastSeq(), d.lastHash(), d.signedAt(), d.previousSignature(),
                "ed25519-attacker", null);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(attacker.getPrivate());
        signer.update(Canonical.digest(unsigned));
        Digest signed = new Digest(d.tenantId(), d.firstSeq(), d.lastSeq(), d.lastHash(), d.signedAt(), d.previousSignature(),
                "ed25519-attacker", Base64.getEncoder().encodeToString(signer.sign()));
        forged.set(last, ExportFormat.line(signed));
        assertThat(verify(forged).failure()).contains("signed by key \"ed25519-attacker\", which the key list does not publish");

        // the attacker's key added to a copied key list under the real key's id: the signature still fails
        PublishedKeys real = ExportVerifier.readKeys(keys);
        PublishedKeys.Key genuine = real.keys().get(0);
        PublishedKeys swapped = new PublishedKeys(List.of(new PublishedKeys.Key(d.keyId(), "Ed25519",
                Base64.getEncoder().encodeToString(attacker.getPublic().getEncoded()), genuine.validFrom(), genuine.validUntil())));
        ExportVerifier.Result withSwappedKeys = new ExportVerifier(swapped, s -> { }).verify(write(lines));
        assertThat(withSwappedKeys.ok()).isFalse();
        assertThat(withSwappedKeys.failure()).contains("its signature does not verify");
    }

    @Test
    void theCommandLineVerifierExitsZeroOnlyForAnUntouchedExport() throws Exception {
        Path good = write(lines);
        assertThat(run(good.toString(), keys.toString())).isZero();
        List<String> changed = new ArrayList<>(lines);
        changed.set(0, changed.get(0).replace("user.signed_up", "user.signed_in"));
        assertThat(run(write(changed).toString(), "--keys", keys.toString())).isEqualTo(1);
        assertThat(run(good.toString())).as("no key list").isEqualTo(2);
        assertThat(run(dir.resolve("missing.ndjson").toString(), keys.toString())).isEqualTo(2);
    }

    private int run(String... args) throws Exception {
        Path jar = Path.of("..", "audit-verify", "target", "cloudwarden-audit-verify.jar").toAbsolutePath().normalize();
        assertThat(jar).as("built by the audit-verify module before the server's tests").exists();
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private int firstDigestLine() {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"type\":\"digest\"")) {
                return i;
            }
        }
        throw new AssertionError("no digest in the export");
    }

    private ExportVerifier.Result verify(List<String> content) throws Exception {
        return new ExportVerifier(ExportVerifier.readKeys(keys), s -> { }).verify(write(content));
    }

    private Path write(List<String> content) throws Exception {
        return Files.write(Files.createTempFile(dir, "export", ".ndjson"), content, StandardCharsets.UTF_8);
    }
}
