-- Invited users exist before they have a password; everyone else must have one.
alter table users alter column password_hash drop not null;
alter table users drop constraint users_status_check;
alter table users add constraint users_status_check check (status in ('INVITED', 'ACTIVE', 'DISABLED'));
-- An active user always has a password; an invited one gets it on acceptance (a withdrawn invitation
-- leaves a DISABLED user without one).
alter table users add constraint users_active_has_password check (status <> 'ACTIVE' or password_hash is not null);

-- Single-use, expiring tokens sent by email (invitations, password resets), stored only as a
-- tenant-keyed hash of the token.
create table one_time_tokens (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    user_id     uuid not null references users (id),
    purpose     text not null check (purpose in ('INVITATION', 'PASSWORD_RESET')),
    token_hash  bytea not null unique,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    check (expires_at > created_at)
);
create index one_time_tokens_user on one_time_tokens (tenant_id, user_id);
alter table one_time_tokens enable row level security;
alter table one_time_tokens force row level security;
create policy tenant_isolation on one_time_tokens
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on one_time_tokens to ${app_role};
grant update (used_at) on one_time_tokens to ${app_role};
