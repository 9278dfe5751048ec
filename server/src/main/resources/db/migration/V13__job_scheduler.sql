-- The job scheduler's queue (db-scheduler, docs/adr/0002-a-clustered-scheduler-for-jobs.md): one row per
-- upcoming execution. Nodes take due rows with SELECT ... FOR UPDATE SKIP LOCKED, so each runs once; a
-- row whose node stopped sending heartbeats is taken again. It holds no tenant data, only ids (tenant,
-- job, run) as JSON, so it is a global table without row-level security (CatalogTest lists it).
create table scheduled_tasks (
    task_name             text not null,
    task_instance         text not null,
    task_data             bytea,
    execution_time        timestamptz not null,
    picked                boolean not null,
    picked_by             text,
    last_success          timestamptz,
    last_failure          timestamptz,
    consecutive_failures  int,
    last_heartbeat        timestamptz,
    version               bigint not null,
    priority              smallint,
    primary key (task_name, task_instance)
);
create index scheduled_tasks_execution_time on scheduled_tasks (execution_time);
create index scheduled_tasks_last_heartbeat on scheduled_tasks (last_heartbeat);
create index scheduled_tasks_priority_execution_time on scheduled_tasks (priority desc, execution_time asc);
grant select, insert, delete on scheduled_tasks to ${app_role};
grant update (task_data, execution_time, picked, picked_by, last_success, last_failure, consecutive_failures, last_heartbeat, version,
              priority) on scheduled_tasks to ${app_role};

-- A run may be executed again when its node died (the scheduler takes the run over): it then resumes
-- where AWS's state shows it stopped. Attempts are counted so a run that keeps failing its node ends.
alter table job_runs add column attempts smallint not null default 0 check (attempts between 0 and 10);
grant update (attempts) on job_runs to ${app_role};
