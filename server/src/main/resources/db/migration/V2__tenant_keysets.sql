-- Per-tenant keysets, stored only wrapped by the key-encryption key. Deleting a tenant's row
-- destroys its keys (crypto-shredding): its ciphertexts, in backups too, become unreadable.
create table tenant_keysets (
    tenant_id    uuid primary key references tenants (id) deferrable initially deferred,
    aead_keyset  bytea not null,
    prf_keyset   bytea not null,
    kek_id       text not null,
    created_at   timestamptz not null default now(),
    rotated_at   timestamptz
);
alter table tenant_keysets enable row level security;
alter table tenant_keysets force row level security;
create policy tenant_isolation on tenant_keysets
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on tenant_keysets to ${app_role};
grant update (aead_keyset, prf_keyset, kek_id, rotated_at) on tenant_keysets to ${app_role};

-- The organisation name is customer data: encrypted with the tenant's key, bound to its row.
alter table tenants drop column name;
alter table tenants add column name_ciphertext bytea not null;
grant update (name_ciphertext) on tenants to ${app_role};

-- Key maintenance (KEK rotation) walks every tenant. Ids only, through one narrow function.
create policy key_maintenance on tenants for select to ${owner_role} using (true);
create function tenant_ids_for_key_maintenance() returns table (tenant_id uuid)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$ select t.id from public.tenants t order by t.id $$;
revoke all on function tenant_ids_for_key_maintenance() from public;
grant execute on function tenant_ids_for_key_maintenance() to ${app_role};
