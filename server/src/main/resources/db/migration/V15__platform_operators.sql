-- Platform operators (docs/operators.md, promises P6 and P7): staff with their own accounts, no standing
-- access to tenant data, and reads of one tenant only under an approved, scoped, time-boxed grant that
-- the tenant sees. Operators and their sessions are global (no tenant_id: nothing of them is in any
-- tenant's scope); access requests are the tenant's own rows, under row-level security like its data.

-- The platform's own keysets (AEAD and PRF), wrapped by the KEK as tenant keysets are, for what belongs
-- to no tenant: operators' password pepper, TOTP secrets, session and enrolment token hashes, and
-- vulnerability reports. A KEK rotation re-wraps them with the tenant keysets.
create table platform_keysets (
    name         text primary key check (name ~ '^[a-z][a-z-]{0,39}$'),
    aead_keyset  bytea not null,
    prf_keyset   bytea not null,
    kek_id       text not null check (length(kek_id) between 1 and 200),
    created_at   timestamptz not null default now()
);
grant select, insert on platform_keysets to ${app_role};
grant update (aead_keyset, prf_keyset, kek_id) on platform_keysets to ${app_role};

-- An operator exists from `cloudwarden operator create` as INVITED, with the keyed hash of a single-use
-- enrolment link; enrolment sets the password and the TOTP secret together, so no ACTIVE operator lacks
-- either. There is no default password and no way to sign in without the second factor.
create table operators (
    id                      uuid primary key,
    email                   text not null unique check (length(email) between 3 and 254 and email = lower(email)),
    role                    text not null check (role in ('PLATFORM_ADMIN', 'SUPPORT')),
    status                  text not null default 'INVITED' check (status in ('INVITED', 'ACTIVE', 'DISABLED')),
    password_hash           text,
    totp_secret_ciphertext  bytea,           -- platform keyset; during enrolment the secret on offer
    totp_last_step          bigint,          -- a code's time step is accepted once
    enrol_token_hash        bytea unique check (length(enrol_token_hash) = 32),
    enrol_expires_at        timestamptz,
    failures                integer not null default 0 check (failures >= 0),
    locked_until            timestamptz,
    created_at              timestamptz not null,
    enrolled_at             timestamptz,
    check (status <> 'ACTIVE' or (password_hash is not null and totp_secret_ciphertext is not null and enrolled_at is not null)),
    check ((enrol_token_hash is null) = (enrol_expires_at is null))
);
grant select, insert on operators to ${app_role};
grant update (status, password_hash, totp_secret_ciphertext, totp_last_step, enrol_token_hash, enrol_expires_at, failures,
              locked_until, enrolled_at) on operators to ${app_role};

-- Operator sessions: the keyed hash of the token only (platform keyset); short idle and absolute limits
-- are checked by the server on every request.
create table operator_sessions (
    id            uuid primary key,
    operator_id   uuid not null references operators (id),
    token_hash    bytea not null unique check (length(token_hash) = 32),
    created_at    timestamptz not null,
    last_used_at  timestamptz not null,
    expires_at    timestamptz not null check (expires_at > created_at),
    revoked_at    timestamptz
);
create index operator_sessions_operator on operator_sessions (operator_id);
grant select, insert on operator_sessions to ${app_role};
grant update (last_used_at, revoked_at) on operator_sessions to ${app_role};

-- "Customer approval" (the lockbox): when on, an OWNER or ADMIN of the tenant must approve every access
-- request as well as a platform administrator.
alter table tenants add column lockbox_required boolean not null default false;
grant update (lockbox_required) on tenants to ${app_role};

-- An access request, and the grant it becomes: the tenant's own row. The two-person rule is a constraint:
-- the approving administrator is never the requester. A grant is ACTIVE once every approval it needs is
-- given, until expires_at (judged by the server's clock on every read) or a revocation by either side.
create table access_requests (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id),
    operator_id       uuid not null references operators (id),
    scopes            text[] not null check (cardinality(scopes) between 1 and 4
                          and scopes <@ array['users:read', 'cloud-accounts:read', 'jobs:read', 'activity:read']::text[]),
    reason            text not null check (length(reason) between 10 and 1000),
    ticket            text not null check (ticket ~ '^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}$'),
    duration_minutes  integer not null check (duration_minutes between 15 and 480),
    lockbox           boolean not null,  -- the tenant's setting when the request was made
    status            text not null default 'PENDING' check (status in ('PENDING', 'ACTIVE', 'DENIED', 'REVOKED', 'EXPIRED')),
    requested_at      timestamptz not null,
    admin_id          uuid references operators (id),
    admin_at          timestamptz,
    customer_user_id  uuid,              -- the tenant's OWNER or ADMIN who approved (an id that outlives the user)
    customer_at       timestamptz,
    activated_at      timestamptz,
    expires_at        timestamptz,
    ended_at          timestamptz,
    ended_by          text check (ended_by in ('operator', 'customer', 'system')),
    check (admin_id is null or admin_id <> operator_id),
    check ((admin_id is null) = (admin_at is null)),
    check ((customer_user_id is null) = (customer_at is null)),
    check ((activated_at is null) = (expires_at is null)),
    check (activated_at is null or (admin_id is not null and (not lockbox or customer_user_id is not null))),
    check ((status = 'ACTIVE') = (activated_at is not null and ended_at is null)),
    check ((status in ('DENIED', 'REVOKED', 'EXPIRED')) = (ended_at is not null and ended_by is not null)),
    check (expires_at is null or expires_at = activated_at + make_interval(mins => duration_minutes))
);
create index access_requests_tenant on access_requests (tenant_id, requested_at);
alter table access_requests enable row level security;
alter table access_requests force row level security;
create policy tenant_isolation on access_requests
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on access_requests to ${app_role};
grant update (status, lockbox, admin_id, admin_at, customer_user_id, customer_at, activated_at, expires_at, ended_at, ended_by)
    on access_requests to ${app_role};

-- Operators act in histories too: the platform's (their own actions) and a tenant's (access requests and
-- reads under a grant, shown to the tenant as platform access).
alter table activity_events drop constraint activity_events_actor_type_check;
alter table activity_events drop constraint activity_events_check;
alter table activity_events
    add constraint activity_events_actor_type_check check (actor_type in ('user', 'operator', 'system', 'anonymous')),
    add constraint activity_events_actor_id_check check ((actor_type in ('user', 'operator')) = (actor_id is not null));

-- What operators see of tenants without a grant: metadata only (id, status, dates, counts), never a
-- user, an email, a cloud account, a job's content or an event; not even the organisation's name, which is
-- encrypted with the tenant's keys, and operators have no path to decrypt anything. p_tenant null: every
-- tenant, newest first.
create policy operator_metadata on users for select to ${owner_role} using (true);
create policy operator_metadata on cloud_accounts for select to ${owner_role} using (true);
create policy operator_metadata on jobs for select to ${owner_role} using (true);
create function operator_tenants(p_tenant uuid, p_limit integer)
    returns table (id uuid, status text, created_at timestamptz, terminated_at timestamptz, purge_after timestamptz,
                   lockbox_required boolean, users bigint, cloud_accounts bigint, jobs bigint)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select t.id, t.status, t.created_at, t.terminated_at, t.purge_after, t.lockbox_required,
               (select count(*) from public.users u where u.tenant_id = t.id),
               (select count(*) from public.cloud_accounts a where a.tenant_id = t.id),
               (select count(*) from public.jobs j where j.tenant_id = t.id)
        from public.tenants t
        where p_tenant is null or t.id = p_tenant
        order by t.created_at desc, t.id
        limit least(greatest(p_limit, 1), 1000)
    $$;

-- The operators' queue: every tenant's access requests (what operators themselves wrote and decided;
-- no tenant data), newest first; or the one with id p_id; or the active ones past p_expired_before
-- (for recording their expiry), however many newer requests there are.
create policy operator_queue on access_requests for select to ${owner_role} using (true);
create function operator_access_requests(p_id uuid, p_expired_before timestamptz, p_limit integer)
    returns table (id uuid, tenant_id uuid, operator_id uuid, scopes text[], reason text, ticket text, duration_minutes integer,
                   lockbox boolean, status text, requested_at timestamptz, admin_id uuid, admin_at timestamptz,
                   customer_at timestamptz, activated_at timestamptz, expires_at timestamptz, ended_at timestamptz, ended_by text)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select r.id, r.tenant_id, r.operator_id, r.scopes, r.reason, r.ticket, r.duration_minutes, r.lockbox, r.status,
               r.requested_at, r.admin_id, r.admin_at, r.customer_at, r.activated_at, r.expires_at, r.ended_at, r.ended_by
        from public.access_requests r
        where (p_id is null or r.id = p_id)
          and (p_expired_before is null or (r.status = 'ACTIVE' and r.expires_at <= p_expired_before))
        order by r.requested_at desc, r.id
        limit least(greatest(p_limit, 1), 1000)
    $$;
create index access_requests_open on access_requests (expires_at) where status = 'ACTIVE';

revoke all on function operator_tenants(uuid, integer) from public;
revoke all on function operator_access_requests(uuid, timestamptz, integer) from public;
grant execute on function operator_tenants(uuid, integer) to ${app_role};
grant execute on function operator_access_requests(uuid, timestamptz, integer) to ${app_role};
