-- Commands to host agents (docs/agents.md, promise P16). The platform signs each with its command key
-- (Ed25519, one for the platform, stored only wrapped by the KEK); the agent got the public half at
-- enrolment and checks signature, target, expiry and novelty before it does anything.

create table agent_command_keys (
    key_id          text primary key check (key_id ~ '^[a-z0-9-]{1,64}$'),
    public_key      bytea not null check (length(public_key) = 32),   -- raw Ed25519, as agents pin it
    private_keyset  bytea not null,                                   -- Tink keyset, wrapped by the KEK
    kek_id          text not null,
    created_at      timestamptz not null default now()
);
-- one key: agents pin it at enrolment, so it is never replaced under them
create unique index agent_command_keys_one on agent_command_keys ((true));
grant select, insert on agent_command_keys to ${app_role};
grant update (private_keyset, kek_id) on agent_command_keys to ${app_role};

-- A command as issued: its signed bytes are what the agent receives, so what it does is what was signed
-- here. PENDING until the agent polls it, DELIVERED until it reports, then SUCCEEDED, FAILED, or REFUSED
-- (the agent's own checks turned it down: a forged, misdirected, expired or repeated command); one past
-- expires_at that was never reported is shown as expired.
create table agent_commands (
    id            uuid primary key,
    tenant_id     uuid not null,
    agent_id      uuid not null,
    type          text not null check (type in ('collect_facts', 'update_interval', 'rotate_key')),
    payload       bytea not null,
    signature     bytea not null check (length(signature) = 64),
    key_id        text not null references agent_command_keys (key_id),
    created_by    uuid not null,                    -- the user who issued it (users may be erased; the id stays)
    created_at    timestamptz not null,
    expires_at    timestamptz not null check (expires_at > created_at and expires_at <= created_at + interval '1 hour'),
    status        text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'SUCCEEDED', 'FAILED', 'REFUSED')),
    delivered_at  timestamptz,
    completed_at  timestamptz,
    message       text check (length(message) <= 500),
    foreign key (tenant_id, agent_id) references agents (tenant_id, id),
    check ((status = 'PENDING') = (delivered_at is null)),
    check ((status in ('SUCCEEDED', 'FAILED', 'REFUSED')) = (completed_at is not null))
);
create index agent_commands_agent on agent_commands (tenant_id, agent_id, created_at);
alter table agent_commands enable row level security;
alter table agent_commands force row level security;
create policy tenant_isolation on agent_commands using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on agent_commands to ${app_role};
grant update (status, delivered_at, completed_at, message) on agent_commands to ${app_role};

-- a key rotation (by command) replaces the agent's public key
grant update (public_key) on agents to ${app_role};

-- Agents act in their tenant's history: the results of commands and their own key rotations.
alter table activity_events drop constraint activity_events_actor_type_check;
alter table activity_events drop constraint activity_events_actor_id_check;
alter table activity_events
    add constraint activity_events_actor_type_check check (actor_type in ('user', 'operator', 'agent', 'system', 'anonymous')),
    add constraint activity_events_actor_id_check check ((actor_type in ('user', 'operator', 'agent')) = (actor_id is not null));
