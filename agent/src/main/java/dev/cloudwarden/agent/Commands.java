package dev.cloudwarden.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The agent's check of a command before it does anything: signed by the platform's command key it was
 * given at enrolment, meant for this agent of this tenant, issued no later than the allowed clock skew
 * from now and not yet expired, and not carried out before. The ids of accepted commands are kept in
 * {@code commands.seen} in the state directory until they expire (after that their expiry refuses them).
 */
final class Commands {

    static final String SEEN_FILE = "commands.seen";

    private Commands() {
    }

    /** A command refused, with a reason for the host's log. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The command, if it may be carried out now; it is then recorded as seen. */
    static AgentCommand accept(AgentState state, Path dir, String payload, String signature, long now) throws Refused, IOException {
        byte[] bytes;
        byte[] sig;
        try {
            bytes = Base64.getDecoder().decode(payload == null ? "" : payload);
            sig = Base64.getDecoder().decode(signature == null ? "" : signature);
        } catch (IllegalArgumentException e) {
            throw new Refused("a command that is not base64");
        }
        if (!AgentProtocol.verifies(state.commandKey(), sig, AgentProtocol.commandBase(bytes))) {
            throw new Refused("a command not signed by the platform's command key");
        }
        AgentCommand command;
        try {
            command = AgentCommand.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new Refused("a signed command this agent does not understand");
        }
        if (!state.keyId().equals(command.tenantId() + "/" + command.agentId())) {
            throw new Refused("command " + command.id() + " is meant for another agent");
        }
        if (now >= command.expiresAt()) {
            throw new Refused("command " + command.id() + " has expired");
        }
        if (command.issuedAt() > now + AgentProtocol.MAX_SKEW_SECONDS) {
            throw new Refused("command " + command.id() + " is issued in the future (is this host's clock right?)");
        }
        Map<UUID, Long> seen = seen(dir, now);
        if (seen.containsKey(command.id())) {
            throw new Refused("command " + command.id() + " was carried out already");
        }
        seen.put(command.id(), command.expiresAt());
        StringBuilder out = new StringBuilder();
        seen.forEach((id, expires) -> out.append(id).append(' ').append(expires).append('\n'));
        AgentState.writeOwnerOnly(dir.resolve(SEEN_FILE), out.toString().getBytes(StandardCharsets.US_ASCII));
        return command;
    }

    /** The ids of commands accepted and not yet expired. */
    private static Map<UUID, Long> seen(Path dir, long now) throws Refused, IOException {
        Map<UUID, Long> seen = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve(SEEN_FILE), StandardCharsets.US_ASCII)) {
                String[] parts = line.split(" ");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("not an id and an expiry");
                }
                UUID id = UUID.fromString(parts[0]);
                long expires = Long.parseLong(parts[1]);
                if (expires > now) {
                    seen.put(id, expires);
                }
            }
        } catch (NoSuchFileException e) {
            // none yet
        } catch (IllegalArgumentException e) {
            throw new Refused("the list of carried-out commands in " + dir + " is damaged; no command is carried out until it is removed");
        }
        return seen;
    }
}
