-- Where each session was signed in from, for its owner's sessions page (docs/sessions-and-tokens.md):
-- a short label of the browser and system ("Firefox 133 on Windows", never the User-Agent itself)
-- and the client address. The address is personal data: it is stored only encrypted with the tenant's
-- data key, bound to its row (FieldCrypto), and declared to key maintenance, which re-encrypts it.

-- API sessions: the label and the address of the sign-in that issued the token.
alter table api_sessions add column device text check (length(device) between 1 and 64),
    add column address_ciphertext bytea;
grant update (address_ciphertext) on api_sessions to ${app_role};

-- Console sessions: spring_session is global (found by cookie before any tenant is known), so what
-- belongs to the tenant goes here, under row-level security. A row points at the Spring Session row
-- by its primary id, which stays the same when the session id rotates, and goes with it: deleting a
-- session (sign-out, ending it, clean-up of expired ones) deletes its origin in the same statement.
-- A browser that signs in as someone else keeps its session row; the newest origin of the session's
-- user is the one shown.
create table console_session_origins (
    id                  uuid primary key,
    tenant_id           uuid not null references tenants (id),
    user_id             uuid not null,
    session_primary_id  char(36) not null references spring_session (primary_id) on delete cascade,
    device              text not null check (length(device) between 1 and 64),
    address_ciphertext  bytea,
    signed_in_at        timestamptz not null,
    foreign key (tenant_id, user_id) references users (tenant_id, id)
);
create index console_session_origins_user on console_session_origins (tenant_id, user_id);
create index console_session_origins_session on console_session_origins (session_primary_id);
alter table console_session_origins enable row level security;
alter table console_session_origins force row level security;
create policy tenant_isolation on console_session_origins
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert, delete on console_session_origins to ${app_role};
grant update (address_ciphertext) on console_session_origins to ${app_role};
