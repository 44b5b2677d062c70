/**
 * The queue's tables, as an explicit list of migrations (append only). `migrate(sql)` brings a
 * database at any earlier version to SCHEMA_VERSION in one transaction, under an advisory lock
 * so instances starting together on one PostgreSQL apply each step once. The same statements
 * run on PGlite and PostgreSQL 15 (no features of later versions).
 *
 * v1:
 *   psa_pushes      one row per submitted push; push_id (the provider's ID) unique. Content
 *                   inline (bytea) or a file reference (path, size), never both.
 *                   cancelled_at: when the provider cancelled it (in-flight deliveries end
 *                   cancelled instead of retrying).
 *   psa_deliveries  one row per push and terminal key (what the service targets: a GRUU, an
 *                   instance ID, or the AoR while no terminal is known): status (status.ts),
 *                   attempts, next_attempt_at, the lease of the worker sending it (owner,
 *                   token, until), the last SIP status. priority and expires_at are copies of
 *                   the push's, so the claim reads one index.
 *   psa_events      every status change (and every retry), in order: the feed of changesSince().
 *
 * v2:
 *   psa_pushes.content_released_at  when the content file of a settled push (no delivery
 *                   pending or accepted) was handed back for removal: each file once.
 *
 * v3:
 *   pap_pushes      what the PAP gateway (server/sender/pap/papStore.ts) keeps of a push it
 *                   answered: its address-values and their AoRs, PAP version, notify URL,
 *                   initiator, the AoRs whose result notification is sent, and who is
 *                   sending one now (claims: AoR -> until, ms), so a restart forgets no
 *                   statusquery detail and each notification still owed is sent, by one
 *                   instance when several share the database.
 *                   Keyed by the PAP push-id (the service's push_id when it was submitted).
 */
import { QueueError } from './errors.ts';
import type { Sql, SqlClient } from './sql.ts';
import { DELIVERY_STATUSES } from './status.ts';

const STATUS_CHECK = `status in (${DELIVERY_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** MIGRATIONS[i] takes the database from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  create table psa_pushes (
    id bigint generated always as identity primary key,
    push_id text not null unique,
    target jsonb not null,
    app text not null,
    content_type text not null,
    content bytea,
    content_file text,
    content_size bigint not null,
    report_requested boolean not null,
    priority integer not null default 0,
    deliver_after timestamptz,
    deliver_before timestamptz,
    cancelled_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check ((content is null) <> (content_file is null))
  );
  create table psa_deliveries (
    push bigint not null references psa_pushes (id) on delete cascade,
    terminal text not null,
    status text not null check (${STATUS_CHECK}),
    reason text,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    priority integer not null,
    expires_at timestamptz,
    lease_owner text,
    lease_token uuid,
    lease_until timestamptz,
    last_sip_status integer,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (push, terminal)
  );
  create index psa_deliveries_due on psa_deliveries (priority desc, next_attempt_at) where status = 'pending';
  create index psa_deliveries_terminal on psa_deliveries (terminal) where status = 'pending';
  create index psa_deliveries_expiring on psa_deliveries (expires_at) where status in ('pending', 'accepted');
  create table psa_events (
    id bigint generated always as identity primary key,
    push bigint not null references psa_pushes (id) on delete cascade,
    terminal text not null,
    from_status text,
    to_status text not null,
    reason text,
    sip_status integer,
    attempts integer not null,
    at timestamptz not null
  );
  create index psa_events_push on psa_events (push, id);
  `,
  // v2: when the service removed a settled push's content file (releaseSettledContent).
  `
  alter table psa_pushes add column content_released_at timestamptz;
  create index psa_pushes_content_file on psa_pushes (id) where content_file is not null and content_released_at is null;
  `,
  // v3: the PAP gateway's record of each push (server/sender/pap/papStore.ts).
  `
  create table pap_pushes (
    push_id text primary key,
    record jsonb not null,
    received_at timestamptz not null,
    aors text[] not null,
    notify_to text,
    notified text[] not null default '{}',
    claims jsonb not null default '{}',
    notify_done boolean not null default true
  );
  create index pap_pushes_owed on pap_pushes (received_at, push_id) where not notify_done;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** An arbitrary constant: the advisory lock key that serialises migrations ("SPQU"). */
const MIGRATION_LOCK = 0x53505155;

async function currentVersion(tx: SqlClient): Promise<number> {
  await tx.query('create table if not exists psa_schema (version integer not null)');
  const { rows } = await tx.query<{ version: number }>('select version from psa_schema');
  if (rows.length === 0) {
    await tx.query('insert into psa_schema (version) values (0)');
    return 0;
  }
  return Number(rows[0]!.version);
}

/** Apply every migration past the database's version; returns the version reached. */
export async function migrate(sql: Sql): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const from = await currentVersion(tx);
    if (from > SCHEMA_VERSION) {
      throw new QueueError('QUEUE_ERR_SCHEMA', `The queue database is at schema version ${from}, newer than this code's ${SCHEMA_VERSION}: run the newer service or a fresh database`);
    }
    for (let version = from; version < SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version]!.split(';').map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
    }
    if (from !== SCHEMA_VERSION) await tx.query('update psa_schema set version = $1', [SCHEMA_VERSION]);
    return SCHEMA_VERSION;
  });
}
