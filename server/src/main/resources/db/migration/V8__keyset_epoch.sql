-- Every node caches unwrapped tenant keysets. The epoch tells a node that its copy is stale: it
-- grows with every change of the row (data-key rotation, retirement of old keys, re-wrap under a
-- new KEK), and the database bumps it itself, so no writer can forget or fake it.
alter table tenant_keysets add column epoch bigint not null default 1;

-- When the tenant's primary data key last changed (clock time of the rotating statement). Old keys
-- may be retired only once every node has had time to notice the rotation (docs/keys.md).
alter table tenant_keysets add column data_key_rotated_at timestamptz;
grant update (data_key_rotated_at) on tenant_keysets to ${app_role};

create function tenant_keysets_bump_epoch() returns trigger
    language plpgsql
    set search_path = pg_catalog, pg_temp
    as $$
begin
    new.epoch := old.epoch + 1;
    return new;
end $$;
revoke all on function tenant_keysets_bump_epoch() from public;

create trigger tenant_keysets_epoch before update on tenant_keysets
    for each row execute function tenant_keysets_bump_epoch();
