package dev.cloudwarden.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar cloudwarden-audit-verify.jar <export.ndjson> <keys.json>} (or {@code --keys
 * keys.json}): exit status 0 when the export verifies, 1 at the first break (named on stderr), 2 when
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
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--keys") && i + 1 < args.length) {
                keys = args[++i];
            } else if (args[i].startsWith("--keys=")) {
                keys = args[i].substring("--keys=".length());
            } else {
                positional.add(args[i]);
            }
        }
        if (keys == null && positional.size() == 2) {
            keys = positional.remove(1);
        }
        if (positional.size() != 1 || keys == null) {
            err.println("usage: java -jar cloudwarden-audit-verify.jar <export.ndjson> <keys.json>");
            err.println("  export.ndjson: GET /api/v1/activity/export; keys.json: GET /.well-known/cloudwarden-audit-keys.json");
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
            ExportVerifier.Result result = new ExportVerifier(ExportVerifier.readKeys(keyFile), line -> (line.startsWith("OK") ? out : err).println(line))
                    .verify(export);
            return result.ok() ? 0 : 1;
        } catch (IOException e) {
            err.println("cannot verify: " + e.getMessage());
            return 2;
        }
    }
}
