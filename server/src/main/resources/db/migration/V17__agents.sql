-- Host agents (docs/agents.md, promise P16): enrolled once with a single-use token, then known by their own
-- Ed25519 public key; every later request of theirs is signed, with a timestamp and a nonce used once. All
-- three tables are the tenant's own, under row-level security: an agent's request names its tenant, whose
-- scope is opened before anything of the agent is read.

-- A single-use enrolment token: only its tenant-keyed hash; it works once, before expires_at.
create table agent_enrollment_tokens (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    token_hash  bytea not null unique check (length(token_hash) = 32),
    created_by  uuid not null,
    created_at  timestamptz not null,
    expires_at  timestamptz not null check (expires_at > created_at and expires_at <= created_at + interval '25 hours'),
    used_at     timestamptz,
    agent_id    uuid,
    check ((used_at is null) = (agent_id is null))
);
create index agent_enrollment_tokens_tenant on agent_enrollment_tokens (tenant_id);

create table agents (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    hostname       text not null check (length(hostname) between 1 and 253),
    public_key     bytea not null check (length(public_key) = 32),   -- Ed25519, raw
    facts          jsonb not null default '{}' check (jsonb_typeof(facts) = 'object'),
    status         text not null default 'ACTIVE' check (status in ('ACTIVE', 'REVOKED')),
    enrolled_at    timestamptz not null,
    last_seen_at   timestamptz,
    revoked_at     timestamptz,
    revoked_reason text check (revoked_reason in ('revoked', 'subscription_ended')),
    unique (tenant_id, id),
    check ((status = 'REVOKED') = (revoked_at is not null and revoked_reason is not null))
);

-- Nonces of signed requests, each accepted once per agent; rows older than the timestamp window are of no
-- further use (a request that old is refused by its timestamp) and are deleted as they go stale.
create table agent_nonces (
    tenant_id  uuid not null,
    agent_id   uuid not null,
    nonce      text not null check (nonce ~ '^[A-Za-z0-9_-]{16,64}$'),
    seen_at    timestamptz not null,
    primary key (agent_id, nonce),
    foreign key (tenant_id, agent_id) references agents (tenant_id, id)
);
create index agent_nonces_age on agent_nonces (tenant_id, seen_at);

do $$
declare t text;
begin
    foreach t in array array['agent_enrollment_tokens', 'agents', 'agent_nonces'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id())', t);
    end loop;
end $$;

grant select, insert on agent_enrollment_tokens to ${app_role};
grant update (used_at, agent_id) on agent_enrollment_tokens to ${app_role};
grant select, insert on agents to ${app_role};
grant update (facts, status, last_seen_at, revoked_at, revoked_reason) on agents to ${app_role};
grant select, insert, delete on agent_nonces to ${app_role};
