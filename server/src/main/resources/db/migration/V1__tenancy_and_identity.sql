-- Tenancy foundation. Runs as the owner role; the runtime role ${app_role} gets only the grants below.
-- Every tenant-scoped table: tenant_id uuid not null, RLS enabled and forced, one policy on current_tenant_id().

grant usage on schema public to ${app_role};

-- The tenant of the current transaction, set with set_config(..., true) by the server.
-- Empty or unset yields null, and null = anything is never true: no tenant, no rows.
create function current_tenant_id() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('cloudwarden.tenant_id', true), '')::uuid $$;

create table tenants (
    id          uuid primary key,
    name        text not null check (length(name) between 1 and 200),
    status      text not null default 'ACTIVE' check (status in ('ACTIVE', 'TERMINATED')),
    created_at  timestamptz not null default now()
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
    using (id = current_tenant_id()) with check (id = current_tenant_id());

create table users (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    email          text not null check (length(email) between 3 and 254),
    password_hash  text not null,
    role           text not null check (role in ('OWNER', 'ADMIN', 'OPERATOR', 'VIEWER')),
    status         text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
    mfa_enabled    boolean not null default false,
    created_at     timestamptz not null default now(),
    unique (tenant_id, email)
);
alter table users enable row level security;
alter table users force row level security;
create policy tenant_isolation on users
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());

-- Sign-in knows an email but not yet a tenant. This directory maps one to the other; the runtime
-- role reads it only through login_lookup(), which answers for one exact email.
create table login_directory (
    email      text primary key,
    tenant_id  uuid not null references tenants (id),
    user_id    uuid not null references users (id)
);
alter table login_directory enable row level security;
alter table login_directory force row level security;
create policy tenant_isolation on login_directory
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
create policy login_lookup on login_directory for select to ${owner_role} using (true);

create function login_lookup(p_email text) returns table (tenant_id uuid, user_id uuid)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$ select d.tenant_id, d.user_id from public.login_directory d where d.email = p_email $$;
revoke all on function login_lookup(text) from public;
grant execute on function login_lookup(text) to ${app_role};

-- API session tokens, stored only as a hash of the token.
create table api_sessions (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    user_id     uuid not null references users (id),
    token_hash  bytea not null unique,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    revoked_at  timestamptz,
    check (expires_at > created_at)
);
create index api_sessions_user on api_sessions (tenant_id, user_id);
alter table api_sessions enable row level security;
alter table api_sessions force row level security;
create policy tenant_isolation on api_sessions
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());

grant select, insert on tenants to ${app_role};
grant update (name, status) on tenants to ${app_role};
grant select, insert on users to ${app_role};
grant update (password_hash, role, status, mfa_enabled) on users to ${app_role};
grant select, insert, delete on login_directory to ${app_role};
grant select, insert on api_sessions to ${app_role};
grant update (revoked_at) on api_sessions to ${app_role};
