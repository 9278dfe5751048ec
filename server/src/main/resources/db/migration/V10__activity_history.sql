-- The activity history (docs/activity.md): per tenant a gap-free, hash-chained sequence of events,
-- and signed digests over it. The runtime role may only add and read events and digests; a trigger
-- refuses UPDATE, DELETE and TRUNCATE for every role, the owner included. The platform's own log
-- (sign-in failures of unknown accounts, KEK rotations) is the chain of the nil tenant id
-- 00000000-0000-0000-0000-000000000000, read and written like any tenant's under row-level security.

create table activity_events (
    tenant_id    uuid not null,
    seq          bigint not null check (seq > 0),
    occurred_at  timestamptz not null,
    action       text not null check (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
    actor_type   text not null check (actor_type in ('user', 'system', 'anonymous')),
    actor_id     uuid,
    target_type  text check (target_type ~ '^[a-z][a-z_]*$'),
    target_id    text check (length(target_id) between 1 and 200),
    source_ip    text check (length(source_ip) between 1 and 64),
    user_agent   text check (length(user_agent) between 1 and 512),
    details      jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
    prev_hash    bytea not null check (length(prev_hash) = 32),
    hash         bytea not null check (length(hash) = 32),
    primary key (tenant_id, seq),
    check ((actor_type = 'user') = (actor_id is not null)),
    check ((target_type is null) = (target_id is null))
);
create index activity_events_by_time on activity_events (tenant_id, occurred_at);
-- No foreign keys: actors and targets are ids that stay meaningful after a user is erased, and the
-- platform chain has no tenant row.

-- One row per chain: the last seq and hash (appends lock it, so one tenant's appends serialise and
-- no other tenant's wait) and how far the digests reach.
create table activity_chain_heads (
    tenant_id     uuid primary key,
    seq           bigint not null default 0 check (seq >= 0),
    hash          bytea not null default '\x0000000000000000000000000000000000000000000000000000000000000000' check (length(hash) = 32),
    digested_seq  bigint not null default 0 check (digested_seq between 0 and seq)
);

create table activity_digests (
    tenant_id           uuid not null,
    first_seq           bigint not null check (first_seq > 0),
    last_seq            bigint not null,
    last_hash           bytea not null check (length(last_hash) = 32),
    signed_at           timestamptz not null,
    previous_signature  bytea,
    key_id              text not null,
    signature           bytea not null check (length(signature) = 64),
    primary key (tenant_id, last_seq),
    check (last_seq >= first_seq)
);

do $$
declare t text;
begin
    foreach t in array array['activity_events', 'activity_chain_heads', 'activity_digests'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id())', t);
    end loop;
end $$;

grant select, insert on activity_events to ${app_role};
grant select, insert on activity_digests to ${app_role};
grant select, insert, update (seq, hash, digested_seq) on activity_chain_heads to ${app_role};

create function activity_append_only() returns trigger
    language plpgsql
    as $$ begin raise exception 'the activity history is append-only (% on %)', tg_op, tg_table_name using errcode = '42501'; end $$;
-- statement triggers: they fire even when row-level security or a WHERE leaves no row to change
create trigger append_only before update or delete or truncate on activity_events for each statement execute function activity_append_only();
create trigger append_only before update or delete or truncate on activity_digests for each statement execute function activity_append_only();

-- The chain's order, enforced here too: an event extends its chain's head (seq + 1, linked to the
-- head's hash; or, when the same statement has already moved the head to it, is that head), and a
-- digest covers exactly the events after the last one signed, up to the head, linked to that
-- digest's signature. A stray row (at head + 2, say) would otherwise block every later append.
create function activity_extends_chain() returns trigger
    language plpgsql
    as $$
declare
    h record;
    previous bytea;
begin
    if new.tenant_id is distinct from current_tenant_id() then
        return new; -- not the chain in scope: row-level security refuses the row (the runtime role cannot bypass it)
    end if;
    select seq, hash, digested_seq into h from activity_chain_heads where tenant_id = new.tenant_id;
    if tg_table_name = 'activity_events' then
        if h is null or not ((new.seq = h.seq + 1 and new.prev_hash = h.hash) or (new.seq = h.seq and new.hash = h.hash)) then
            raise exception 'activity event #% does not extend its chain', new.seq using errcode = '23514';
        end if;
    else
        select signature into previous from activity_digests where tenant_id = new.tenant_id and last_seq = new.first_seq - 1;
        if h is null or new.first_seq <> h.digested_seq + 1 or new.last_seq <> h.seq or new.last_hash <> h.hash
                or new.previous_signature is distinct from previous then
            raise exception 'activity digest #%..#% does not follow its chain', new.first_seq, new.last_seq using errcode = '23514';
        end if;
    end if;
    return new;
end $$;
create trigger extends_chain before insert on activity_events for each row execute function activity_extends_chain();
create trigger extends_chain before insert on activity_digests for each row execute function activity_extends_chain();

-- The platform chain's id is never a tenant's.
alter table tenants add constraint not_the_platform_chain check (id <> '00000000-0000-0000-0000-000000000000');

-- The periodic digest finds the chains with undigested events; this function answers only that.
create policy digest_finder on activity_chain_heads for select to ${owner_role} using (true);
create function activity_undigested_chains() returns setof uuid
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$ select tenant_id from public.activity_chain_heads where seq > digested_seq $$;
revoke all on function activity_undigested_chains() from public;
grant execute on function activity_undigested_chains() to ${app_role};

-- The platform's digest-signing keys: Ed25519 Tink keysets wrapped by the KEK, with the public key
-- and validity that /.well-known/cloudwarden-audit-keys.json publishes for ever.
create table audit_signing_keys (
    key_id          text primary key check (key_id ~ '^[a-z0-9-]{1,64}$'),
    public_key      bytea not null,
    private_keyset  bytea not null,
    kek_id          text not null,
    valid_from      timestamptz not null,
    valid_until     timestamptz,
    check (valid_until is null or valid_until > valid_from)
);
create unique index audit_signing_keys_one_current on audit_signing_keys ((valid_until is null)) where valid_until is null;
grant select, insert, update (private_keyset, kek_id, valid_until) on audit_signing_keys to ${app_role};
alter table activity_digests add constraint signed_by_a_known_key foreign key (key_id) references audit_signing_keys (key_id);

-- What the published key list says cannot be rewritten with the runtime role: a key starts when it
-- is stored (never backdated), its id and public key never change, and it is retired once, at the
-- time of retirement, when its private half is wiped so nothing can sign with it again.
create function audit_signing_keys_guard() returns trigger
    language plpgsql
    as $$
begin
    if tg_op = 'INSERT' then
        new.valid_from := clock_timestamp();
        new.valid_until := null;
        return new;
    end if;
    if new.key_id <> old.key_id or new.public_key <> old.public_key or new.valid_from <> old.valid_from
            or (old.valid_until is not null and new.valid_until is distinct from old.valid_until) then
        raise exception 'an audit signing key''s id, public key and validity are fixed' using errcode = '42501';
    end if;
    if old.valid_until is null and new.valid_until is not null then
        new.valid_until := clock_timestamp();
        new.private_keyset := '\x';
    end if;
    return new;
end $$;
create trigger guard before insert or update on audit_signing_keys for each row execute function audit_signing_keys_guard();
