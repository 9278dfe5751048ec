-- Browser sessions in PostgreSQL (Spring Session JDBC) and personal access tokens (P11).

-- Console sessions. Spring Session's own statements use these names, so any node serves any user.
-- No tenant_id: a session is looked up by its cookie before any tenant is known (CatalogTest lists
-- these two tables as global, with that reason). session_id is never the cookie: it is the
-- SHA-256 of the cookie's 256-bit secret (43 characters of base64url, checked below), so a copy of
-- this table opens no session. principal_name is the user id, unique across tenants, so disabling a
-- user deletes exactly their sessions.
create table spring_session (
    primary_id             char(36) primary key,
    session_id             varchar(64) not null unique check (session_id ~ '^[A-Za-z0-9_-]{43}$'),
    creation_time          bigint not null,
    last_access_time       bigint not null,
    max_inactive_interval  int not null,
    expiry_time            bigint not null,
    principal_name         varchar(100)
);
create index spring_session_expiry on spring_session (expiry_time);
create index spring_session_principal on spring_session (principal_name);

create table spring_session_attributes (
    session_primary_id  char(36) not null references spring_session (primary_id) on delete cascade,
    attribute_name      varchar(200) not null,
    attribute_bytes     bytea not null,
    primary key (session_primary_id, attribute_name)
);

-- Exactly what JdbcIndexedSessionRepository does: insert, read, touch, rotate the id, delete.
grant select, insert, delete on spring_session to ${app_role};
grant update (session_id, last_access_time, max_inactive_interval, expiry_time, principal_name) on spring_session to ${app_role};
grant select, insert, delete on spring_session_attributes to ${app_role};
grant update (attribute_bytes) on spring_session_attributes to ${app_role};

-- API sessions show when they were last used (to the minute).
alter table api_sessions add column last_used_at timestamptz;
grant update (last_used_at) on api_sessions to ${app_role};

-- Personal access tokens: shown once, stored only as the tenant's keyed hash (HMAC-SHA256),
-- scoped and always expiring (at most a year; the server's limit may be lower).
create table personal_access_tokens (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    user_id       uuid not null references users (id),
    name          text not null check (length(name) between 1 and 100),
    scopes        text[] not null check (cardinality(scopes) between 1 and 3
                                         and scopes <@ array['read', 'write', 'jobs:run']::text[]),
    token_hash    bytea not null unique check (length(token_hash) = 32),
    token_hint    text not null check (length(token_hint) <= 16),
    created_at    timestamptz not null,
    expires_at    timestamptz not null,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    check (expires_at > created_at and expires_at <= created_at + interval '366 days')
);
create index personal_access_tokens_user on personal_access_tokens (tenant_id, user_id);
alter table personal_access_tokens enable row level security;
alter table personal_access_tokens force row level security;
create policy tenant_isolation on personal_access_tokens
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on personal_access_tokens to ${app_role};
grant update (last_used_at, revoked_at) on personal_access_tokens to ${app_role};
