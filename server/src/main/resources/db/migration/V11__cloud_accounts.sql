-- Cloud accounts (P9, P10): the tenant's external ID, its AWS accounts connected by role, and their
-- inventory. Every table is the tenant's own under forced RLS; the role ARN and the external ID are
-- field ciphertexts (FieldCrypto, bound to tenant, table, column and row) and never stored in clear.

-- One external ID per tenant, made by the platform on first use and never chosen by the customer.
create table cloud_external_ids (
    tenant_id              uuid primary key references tenants (id),
    external_id_ciphertext bytea not null,
    created_at             timestamptz not null default now()
);
alter table cloud_external_ids enable row level security;
alter table cloud_external_ids force row level security;
create policy tenant_isolation on cloud_external_ids
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on cloud_external_ids to ${app_role};
grant update (external_id_ciphertext) on cloud_external_ids to ${app_role};  -- data-key rotation re-encrypts

create table cloud_accounts (
    id                  uuid primary key,
    tenant_id           uuid not null references tenants (id),
    name                text not null check (length(name) between 1 and 100),
    provider            text not null check (provider = 'aws'),
    role_arn_ciphertext bytea not null,
    -- the tenant's keyed hash of the ARN: one account per role, found without decrypting anything
    role_arn_hash       bytea not null check (length(role_arn_hash) = 32),
    role_arn_masked     text not null check (length(role_arn_masked) <= 200),
    regions             text[] not null check (cardinality(regions) between 1 and 30),
    status              text not null check (status in ('unverified', 'verified', 'failed')),
    status_code         text check (length(status_code) <= 40),
    status_message      text check (length(status_message) <= 500),    -- our own words, never AWS's
    checked_at          timestamptz,
    sync_status         text check (sync_status in ('running', 'succeeded', 'failed')),
    sync_run_id         uuid,            -- the run that may finish the sync: a run taken over as stale cannot

    sync_code           text check (length(sync_code) <= 40),
    sync_message        text check (length(sync_message) <= 500),
    sync_role_session   text check (length(sync_role_session) <= 64),
    verify_role_session text check (length(verify_role_session) <= 64),
    sync_started_at     timestamptz,
    sync_finished_at    timestamptz,
    created_at          timestamptz not null,
    unique (tenant_id, id),
    unique (tenant_id, role_arn_hash)
);
alter table cloud_accounts enable row level security;
alter table cloud_accounts force row level security;
create policy tenant_isolation on cloud_accounts
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert, delete on cloud_accounts to ${app_role};
grant update (role_arn_ciphertext, status, status_code, status_message, checked_at, verify_role_session,
               sync_status, sync_run_id, sync_code, sync_message, sync_role_session, sync_started_at, sync_finished_at)
    on cloud_accounts to ${app_role};

-- The inventory of the last successful sync: instances, volumes and snapshots. A row points at an
-- account of its own tenant (composite key), and goes with it.
create table cloud_resources (
    tenant_id    uuid not null,
    account_id   uuid not null,
    kind         text not null check (kind in ('instance', 'volume', 'snapshot')),
    region       text not null check (region ~ '^[a-z]{2}(-[a-z]+)+-[0-9]$'),
    resource_id  text not null check (resource_id ~ '^(i|vol|snap)-[0-9a-f]{8,17}$'),
    type         text check (length(type) <= 40),            -- instance type or volume type (gp3, ...)
    state        text not null check (length(state) <= 40),
    tags         jsonb not null default '{}' check (jsonb_typeof(tags) = 'object'),
    details      jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
    created_at   timestamptz,                                -- launch, creation or start time at AWS
    synced_at    timestamptz not null,
    primary key (tenant_id, account_id, kind, region, resource_id),
    foreign key (tenant_id, account_id) references cloud_accounts (tenant_id, id) on delete cascade
);
create index cloud_resources_tags on cloud_resources using gin (tags);
alter table cloud_resources enable row level security;
alter table cloud_resources force row level security;
create policy tenant_isolation on cloud_resources
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert, delete on cloud_resources to ${app_role};
