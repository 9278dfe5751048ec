/**
 * The host agents' gateway (promise P16, docs/agents.md): single-use enrolment tokens an ADMIN makes, the
 * enrolment that registers an agent's own Ed25519 public key, and the signed requests that follow, each
 * with a timestamp and a nonce used once, verified before anything of the agent is touched; revocation from
 * the console or API and with the tenant's termination. Everything is in {@code internal}.
 */
package dev.cloudwarden.agentgateway;
