package dev.cloudwarden.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar cloudwarden-audit-verify.jar <export.ndjson> <keys.json>} (or {@code --keys
 * keys.json}), optionally {@code --tenant <id>} and {@code --signed-after <time>}: exit status 0 when the export verifies, 1 at the first break (named on stderr), 2 when
 * the arguments or files are unusable.
 */
public final class VerifyCommand {

    private VerifyCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> positional = new ArrayList<>();
        String keys = null;
        String tenant = null;
        String signedAfter = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--keys" -> keys = value;
                case "--tenant" -> tenant = value;
                case "--signed-after" -> signedAfter = value;
                default -> {
                    positional.add(args[i]);
                    continue;
                }
            }
            i++;
        }
        Instant notBefore = null;
        try {
            notBefore = signedAfter == null ? null : Instant.parse(signedAfter);
        } catch (DateTimeParseException e) {
            err.println("--signed-after: not an ISO-8601 time such as 2026-12-01T09:00:00Z");
            return 2;
        }
        if (keys == null && positional.size() == 2) {
            keys = positional.remove(1);
        }
        if (positional.size() != 1 || keys == null) {
            err.println("usage: java -jar cloudwarden-audit-verify.jar <export.ndjson> <keys.json> [--tenant <id>] [--signed-after <time>]");
            err.println("  export.ndjson: GET /api/v1/activity/export; keys.json: GET /.well-known/cloudwarden-audit-keys.json");
            err.println("  --tenant: fail unless it is this tenant's history; --signed-after: fail if the last digest is older");
            err.println("  (an export ends with a digest signed when it was made: pass the time you asked for it)");
            return 2;
        }
        Path export = Path.of(positional.get(0));
        Path keyFile = Path.of(keys);
        for (Path p : List.of(export, keyFile)) {
            if (!Files.isReadable(p)) {
                err.println("cannot read " + p);
                return 2;
            }
        }
        try {
            ExportVerifier.Result result = new ExportVerifier(ExportVerifier.readKeys(keyFile), line -> (line.startsWith("OK") ? out : err).println(line),
                    new ExportVerifier.Expect(tenant, notBefore))
                    .verify(export);
            return result.ok() ? 0 : 1;
        } catch (IOException e) {
            err.println("cannot verify: " + e.getMessage());
            return 2;
        }
    }
}
