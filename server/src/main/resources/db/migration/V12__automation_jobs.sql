-- Automation jobs (SPEC §2, §3): a job acts on one cloud account of its tenant; each run records
-- its outcome and a result per resource. Rows point at their tenant's own account, job and run
-- (composite keys), and go with them: deleting an account deletes its jobs and their history.

create table jobs (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    account_id  uuid not null,
    name        text not null check (length(name) between 1 and 100),
    type        text not null check (type in ('inventory_sync', 'stop_instances', 'start_instances', 'snapshot_volumes')),
    schedule    text check (length(schedule) <= 100),     -- a cron expression, checked by the application
    timezone    text check (length(timezone) <= 64),
    parameters  jsonb not null check (jsonb_typeof(parameters) = 'object'),
    paused      boolean not null default false,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    unique (tenant_id, id),
    check ((schedule is null) = (timezone is null)),
    foreign key (tenant_id, account_id) references cloud_accounts (tenant_id, id) on delete cascade
);
create index jobs_account on jobs (tenant_id, account_id);
alter table jobs enable row level security;
alter table jobs force row level security;
create policy tenant_isolation on jobs
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert, delete on jobs to ${app_role};
grant update (name, schedule, timezone, parameters, paused, updated_at) on jobs to ${app_role};

create table job_runs (
    id                 uuid primary key,
    tenant_id          uuid not null,
    job_id             uuid not null,
    status             text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    dry_run            boolean not null,
    trigger            text not null check (trigger in ('manual', 'schedule')),
    role_session_name  text check (length(role_session_name) <= 64),
    code               text check (length(code) <= 40),
    message            text check (length(message) <= 500),   -- our own words, never AWS's
    queued_at          timestamptz not null,
    started_at         timestamptz,
    finished_at        timestamptz,
    unique (tenant_id, id),
    foreign key (tenant_id, job_id) references jobs (tenant_id, id) on delete cascade
);
create index job_runs_job on job_runs (tenant_id, job_id, queued_at desc);
alter table job_runs enable row level security;
alter table job_runs force row level security;
create policy tenant_isolation on job_runs
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on job_runs to ${app_role};
grant update (status, role_session_name, code, message, started_at, finished_at) on job_runs to ${app_role};

create table job_run_results (
    tenant_id    uuid not null,
    run_id       uuid not null,
    seq          int not null check (seq >= 1),
    resource_id  text not null check (resource_id ~ '^(i|vol|snap)-[0-9a-f]{8,17}$'),
    region       text not null check (region ~ '^[a-z]{2}(-[a-z]+)+-[0-9]$'),
    action       text not null check (action in ('stop', 'start', 'snapshot', 'delete_snapshot')),
    outcome      text not null check (outcome in ('done', 'would', 'failed')),
    message      text check (length(message) <= 500),
    primary key (tenant_id, run_id, seq),
    foreign key (tenant_id, run_id) references job_runs (tenant_id, id) on delete cascade
);
alter table job_run_results enable row level security;
alter table job_run_results force row level security;
create policy tenant_isolation on job_run_results
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on job_run_results to ${app_role};
