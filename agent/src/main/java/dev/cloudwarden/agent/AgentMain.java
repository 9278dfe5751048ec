package dev.cloudwarden.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The host agent's command line:
 * <pre>
 *   java -jar cloudwarden-agent.jar enroll --server https://… --token cwa_… --dir /var/lib/cloudwarden-agent [--ca server.pem]
 *   java -jar cloudwarden-agent.jar run --dir /var/lib/cloudwarden-agent [--once]
 * </pre>
 * {@code enroll} makes the agent's Ed25519 key pair here (the private key never leaves the state directory),
 * registers the public key with the token and pins the server's certificate. {@code run} sends a signed
 * heartbeat with the host's facts every minute (or the interval a command set), then polls the platform's
 * signed commands and carries out those meant for it ({@code --once}: one heartbeat and one poll, then exit).
 * Exit 0, or 1 with one clear line on standard error. The agent only ever connects out; it opens no
 * listening socket.
 */
public final class AgentMain {

    static final String VERSION = "0.1.0";
    static final String LOCK_FILE = "agent.lock";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SERVER = Pattern.compile("https://[A-Za-z0-9.-]+(:[0-9]{1,5})?");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentMain() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            Map<String, String> options = options(args);
            String command = args.length == 0 ? "" : args[0];
            switch (command) {
                case "enroll" -> enroll(require(options, "server"), require(options, "token"), Path.of(require(options, "dir")), options.get("ca"), out);
                case "run" -> work(Path.of(require(options, "dir")), options.containsKey("once"), out, err);
                default -> throw new Refused("usage: cloudwarden-agent enroll --server <https URL> --token <token> --dir <state dir> [--ca <PEM file>]"
                        + " | run --dir <state dir> [--once]");
            }
            return 0;
        } catch (Refused | AgentState.Invalid e) {
            err.println("cloudwarden-agent: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("cloudwarden-agent: cannot reach the server (" + e.getClass().getSimpleName() + ")");
            return 1;
        } catch (GeneralSecurityException e) {
            err.println("cloudwarden-agent: a cryptographic check failed (" + e.getClass().getSimpleName() + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            // an answer that is not what a Cloudwarden server sends (not JSON, a bad key): one line, no stack trace
            err.println("cloudwarden-agent: the server's answer could not be understood (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
    }

    /** A refusal with one line for the host's operator. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private static void enroll(String server, String token, Path dir, String caFile, PrintStream out)
            throws Refused, IOException, GeneralSecurityException, InterruptedException {
        if (!SERVER.matcher(server).matches()) {
            throw new Refused("--server must be an https URL of the server, such as https://cloudwarden.example.com");
        }
        if (Files.exists(dir.resolve(AgentState.STATE_FILE))) {
            throw new Refused(dir + " already holds an enrolled agent; use another directory or remove it first");
        }
        String ca = caFile == null ? null : Files.readString(Path.of(caFile), StandardCharsets.US_ASCII);
        KeyPair keys = AgentState.newKeys();
        byte[] publicKey = AgentState.raw(keys.getPublic());
        AtomicReference<String> seen = new AtomicReference<>();
        HttpClient client = Transport.client(ca, null, seen);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("publicKey", Base64.getEncoder().encodeToString(publicKey));
        body.put("hostname", hostname());
        body.put("facts", facts());
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server + "/agent/v1/enroll"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new Refused("enrolment refused (" + response.statusCode() + "): " + message(response.body()));
        }
        JsonNode enrolled = JSON.readTree(response.body());
        byte[] commandKey = Base64.getDecoder().decode(enrolled.path("commandKey").asString(""));
        if (commandKey.length != 32) {
            throw new Refused("the server's answer lacks its command-signing key; is it a Cloudwarden server of this version?");
        }
        AgentState state = new AgentState(server, enrolled.get("keyId").asString(), enrolled.get("agentId").asString(), seen.get(), ca,
                publicKey, keys.getPrivate(), commandKey, AgentState.DEFAULT_HEARTBEAT_SECONDS, null);
        state.save(dir);
        out.println("Enrolled as agent " + state.agentId() + "; state in " + dir + ". Start it with: run --dir " + dir);
    }

    /** One agent process per state directory (a lock file), so two never write it or carry out a command twice. */
    private static void work(Path dir, boolean once, PrintStream out, PrintStream err) throws Refused, AgentState.Invalid, IOException,
            GeneralSecurityException, InterruptedException {
        if (!Files.isDirectory(dir)) {
            throw new AgentState.Invalid("no enrolled agent in " + dir + "; run enroll first");
        }
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new Refused("another agent process is running with " + dir + "; stop it first (systemctl stop cloudwarden-agent)");
            }
            work(dir, once, out, err, AgentState.load(dir));
        }
    }

    private static void work(Path dir, boolean once, PrintStream out, PrintStream err, AgentState loaded) throws Refused, IOException,
            GeneralSecurityException, InterruptedException {
        HttpClient client = Transport.client(loaded.caPem(), loaded.serverPin(), null);
        AgentState state = settleRotation(client, loaded, dir);
        do {
            heartbeat(client, state);
            List<String> done = new ArrayList<>();
            state = carryOutCommands(client, state, dir, done, err);
            if (once) {
                out.println("Heartbeat sent" + (done.isEmpty() ? "" : "; carried out " + String.join(", ", done)) + ".");
                return;
            }
            Thread.sleep(Duration.ofSeconds(state.heartbeatSeconds()));
        } while (true);
    }

    private static void heartbeat(HttpClient client, AgentState state) throws Refused, IOException, GeneralSecurityException, InterruptedException {
        expect(beat(client, state), 204, "heartbeat");
    }

    private static HttpResponse<String> beat(HttpClient client, AgentState state) throws IOException, GeneralSecurityException, InterruptedException {
        return signed(client, state, "POST", "/agent/v1/heartbeat", JSON.writeValueAsBytes(Map.of("facts", facts())));
    }

    /**
     * Finishes a key rotation that was under way when the agent last stopped: the server holds either the old
     * key (it never heard of the new one) or the new one (its answer was lost). A heartbeat with each tells which.
     */
    private static AgentState settleRotation(HttpClient client, AgentState state, Path dir) throws Refused, IOException, GeneralSecurityException,
            InterruptedException {
        if (state.pending() == null) {
            return state;
        }
        for (AgentState candidate : List.of(state.withoutPending(), state.promoted())) {
            if (beat(client, candidate).statusCode() == 204) {
                candidate.save(dir);
                return candidate;
            }
        }
        throw new Refused("the server refused this agent with its old and its new key (revoked?); enrol again if it was revoked");
    }

    /**
     * Polls the platform's commands and carries out those that pass {@link Commands#accept}; a refused one
     * is named on standard error and skipped. Returns the state as the commands left it.
     */
    private static AgentState carryOutCommands(HttpClient client, AgentState state, Path dir, List<String> done, PrintStream err)
            throws Refused, IOException, GeneralSecurityException, InterruptedException {
        HttpResponse<String> response = expect(signed(client, state, "GET", "/agent/v1/commands", new byte[0]), 200, "command poll");
        AgentState current = state;
        for (JsonNode envelope : JSON.readTree(response.body()).path("commands")) {
            AgentCommand command;
            try {
                command = Commands.accept(current, dir, envelope.path("payload").asString(""), envelope.path("signature").asString(""),
                        System.currentTimeMillis() / 1000);
            } catch (Commands.Refused e) {
                err.println("cloudwarden-agent: refused " + e.getMessage());
                // told to the server by the id it gave (nothing in a refused command is believed), for the history
                String id = envelope.path("id").asString("");
                if (id.matches("[0-9a-f-]{36}")) {
                    report(client, current, "/agent/v1/commands/" + id + "/result", Map.of("outcome", "refused", "message", e.getMessage()));
                }
                continue;
            }
            String result = "/agent/v1/commands/" + command.id() + "/result";
            switch (command.type()) {
                case AgentCommand.COLLECT_FACTS -> {
                    heartbeat(client, current);
                    report(client, current, result, Map.of("outcome", "succeeded"));
                }
                case AgentCommand.UPDATE_INTERVAL -> {
                    current = current.withHeartbeat(command.intervalSeconds());
                    current.save(dir);
                    report(client, current, result, Map.of("outcome", "succeeded"));
                }
                case AgentCommand.ROTATE_KEY -> {
                    // the new key is saved as pending first (see settleRotation); the old key signs the report, the new
                    // one the rotation, so the server sees both held here
                    AgentState pending = current.withPending(AgentState.newKeys());
                    pending.save(dir);
                    AgentState rotated = pending.promoted();
                    report(client, current, result, Map.of("outcome", "succeeded",
                            "publicKey", Base64.getEncoder().encodeToString(rotated.publicKey()),
                            "proof", Base64.getEncoder().encodeToString(rotated.sign(AgentProtocol.rotationBase(command.id(), rotated.publicKey())))));
                    current = rotated;
                    current.save(dir);
                }
                default -> throw new IllegalStateException("unreachable: AgentCommand admits known types only");
            }
            done.add(command.type());
        }
        return current;
    }

    private static void report(HttpClient client, AgentState state, String path, Map<String, String> result)
            throws Refused, IOException, GeneralSecurityException, InterruptedException {
        expect(signed(client, state, "POST", path, JSON.writeValueAsBytes(result)), 204, "command result");
    }

    /** A request signed with the agent's key (AgentProtocol). */
    private static HttpResponse<String> signed(HttpClient client, AgentState state, String method, String path, byte[] body)
            throws IOException, GeneralSecurityException, InterruptedException {
        long now = System.currentTimeMillis() / 1000;
        byte[] nonce = new byte[18];
        RANDOM.nextBytes(nonce);
        String nonceText = Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        byte[] signature = state.sign(AgentProtocol.base(method, path, now, nonceText, body, state.keyId()));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(state.server() + path)).timeout(Duration.ofSeconds(30))
                .header(AgentProtocol.KEY_ID, state.keyId()).header(AgentProtocol.TIMESTAMP, Long.toString(now))
                .header(AgentProtocol.NONCE, nonceText).header(AgentProtocol.SIGNATURE, Base64.getEncoder().encodeToString(signature));
        if (body.length > 0) {
            request.header("Content-Type", "application/json");
        }
        return client.send(request.method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> expect(HttpResponse<String> response, int status, String what) throws Refused {
        if (response.statusCode() == 401) {
            throw new Refused("the server refused this agent (revoked, or its clock is more than 5 minutes off); enrol again if it was revoked");
        }
        if (response.statusCode() != status) {
            throw new Refused(what + " refused (" + response.statusCode() + "): " + message(response.body()));
        }
        return response;
    }

    /** What the agent reports of its host: flat names and values only. */
    static Map<String, Object> facts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("os", System.getProperty("os.name"));
        facts.put("kernel", System.getProperty("os.version"));
        facts.put("arch", System.getProperty("os.arch"));
        facts.put("cpus", Runtime.getRuntime().availableProcessors());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            facts.put("memoryBytes", os.getTotalMemorySize());
        }
        try {
            java.nio.file.FileStore root = Files.getFileStore(Path.of("/"));
            facts.put("diskBytes", root.getTotalSpace());
            facts.put("diskFreeBytes", root.getUsableSpace());
        } catch (IOException e) {
            // no disk facts
        }
        try {
            String uptime = Files.readString(Path.of("/proc/uptime")).split("\\s+")[0];
            facts.put("uptimeSeconds", (long) Double.parseDouble(uptime));
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable
        }
        facts.put("agentVersion", VERSION);
        return facts;
    }

    private static String hostname() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,252}") ? name : "host";
        } catch (IOException e) {
            return "host";
        }
    }

    private static String message(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node.has("message") ? node.get("message").asString() : "no details";
        } catch (RuntimeException e) {
            return "no details";
        }
    }

    private static Map<String, String> options(String[] args) throws Refused {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--once")) {
                options.put("once", "");
            } else if (arg.startsWith("--") && i + 1 < args.length) {
                options.put(arg.substring(2), args[++i]);
            } else {
                throw new Refused("unexpected argument " + (arg.startsWith("--") ? arg : "(a value without its option)"));
            }
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) throws Refused {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new Refused("--" + name + " is required");
        }
        return value;
    }
}
