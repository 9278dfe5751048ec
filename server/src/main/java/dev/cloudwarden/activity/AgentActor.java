package dev.cloudwarden.activity;

import java.util.UUID;

/**
 * A host agent whose signed request is being served, as the activity history names it: actor type
 * {@code agent} and the agent's id, in its own tenant's history (the results of commands, its key rotations).
 */
public interface AgentActor {
    UUID tenantId();

    UUID agentId();
}
