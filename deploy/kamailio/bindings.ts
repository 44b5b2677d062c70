/**
 * The bindings of an AoR as Kamailio keeps them: usrloc's `location` rows joined with the
 * contact attributes route[CONTACT_ATTRS] stores with each binding (`location_attrs`, usrloc
 * `xavp_contact`). usrloc writes them back to `location.sqlite` every timer interval
 * (db_mode 2), so a change shows here up to `usrlocTimerInterval` seconds after the 200;
 * callers poll.
 */
import { spawnSync } from 'node:child_process';

export interface KamailioBinding {
  /** usrloc's record id. */
  ruid: string;
  /** The AoR (user@domain). */
  aor: string;
  /** The Contact URI as registered. */
  uri: string;
  /** `sip:<ip>:<port>;transport=ws`: the connection the binding lives on. */
  received: string;
  /** `<urn:uuid:...>`, or null. */
  instance: string | null;
  regId: number;
  /** The Contact header parameters as the UA sent them (feature tags included). */
  params: string;
  /** The +g.oma.pusheventapp values. */
  pushApps: string[];
  /** The Contact as `<uri>;params`, as the UA sent it. */
  contact: string;
}

interface Row {
  ruid: string;
  username: string;
  domain: string | null;
  contact: string;
  received: string | null;
  instance: string | null;
  reg_id: number | null;
  aname: string | null;
  avalue: string | null;
}

function sqlQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `sip:alice@domain` or `alice` -> `alice` (usrloc runs with use_domain 0). */
export function userOf(aor: string): string {
  return aor.replace(/^sips?:/i, '').split('@')[0]!;
}

export function readBindings(locationDbPath: string, aor: string, domain: string): KamailioBinding[] {
  // Unexpired only: usrloc stores expires as a Julian day (db_sqlite's datetime).
  const sql =
    `SELECT l.ruid, l.username, l.domain, l.contact, l.received, l.instance, l.reg_id, a.aname, a.avalue ` +
    `FROM location l LEFT JOIN location_attrs a ON a.ruid = l.ruid ` +
    `WHERE l.username = ${sqlQuote(userOf(aor))} AND l.expires > julianday('now') ORDER BY l.id, a.id;`;
  const result = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 2000', locationDbPath, sql], { encoding: 'utf8' });
  if (result.error) throw new Error(`sqlite3 failed on ${locationDbPath}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`sqlite3 failed on ${locationDbPath}: ${result.stderr}`);
  const rows = result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as Row[]);
  const byRuid = new Map<string, KamailioBinding>();
  for (const row of rows) {
    let binding = byRuid.get(row.ruid);
    if (!binding) {
      binding = {
        ruid: row.ruid,
        aor: `${row.username}@${row.domain || domain}`,
        uri: row.contact,
        received: row.received ?? '',
        instance: row.instance || null,
        regId: row.reg_id ?? 0,
        params: '',
        pushApps: [],
        contact: `<${row.contact}>`,
      };
      byRuid.set(row.ruid, binding);
    }
    if (row.aname === 'params' && row.avalue) {
      binding.params = row.avalue;
      binding.contact = `<${row.contact}>;${row.avalue}`;
    }
    if (row.aname === 'pushapps' && row.avalue) {
      binding.pushApps = row.avalue.split(',').map((app) => app.trim()).filter(Boolean);
    }
  }
  return [...byRuid.values()];
}

/**
 * Contacts usrloc holds in memory for an AoR right now (RPC `ul.lookup` over the ctl socket
 * in the runtime dir), without the write-back lag of readBindings(). 0 when none.
 */
export function liveContactCount(runtimeDir: string, aor: string): number {
  const result = spawnSync('kamcmd', ['-s', `unixs:${runtimeDir}/kamailio_ctl`, 'ul.lookup', 'location', userOf(aor)], { encoding: 'utf8' });
  if (result.error) throw new Error(`kamcmd failed: ${result.error.message}`);
  const output = `${result.stdout}${result.stderr}`;
  if (/AOR not found|AOR has no contacts/.test(output)) return 0;
  if (result.status !== 0) throw new Error(`kamcmd ul.lookup ${userOf(aor)} failed: ${output}`);
  return (output.match(/^\s*Contact:\s*\{/gm) ?? []).length;
}

/**
 * Remove every binding of an AoR from usrloc now (RPC `ul.rm` over the ctl socket), as an
 * operator or an expiry would; the WebSocket stays open, so the client has to notice by
 * itself (issue 10 item 3). Returns how many contacts were removed (ul.rm itself does not say:
 * it succeeds silently for an AoR it does not have).
 */
export function removeBindings(runtimeDir: string, aor: string): number {
  const count = liveContactCount(runtimeDir, aor);
  if (count === 0) return 0;
  const result = spawnSync('kamcmd', ['-s', `unixs:${runtimeDir}/kamailio_ctl`, 'ul.rm', 'location', userOf(aor)], { encoding: 'utf8' });
  if (result.error) throw new Error(`kamcmd failed: ${result.error.message}`);
  const output = `${result.stdout}${result.stderr}`;
  // kamcmd exits 0 on an RPC error too and prints it.
  if (result.status !== 0 || /^error:/m.test(output)) throw new Error(`kamcmd ul.rm ${userOf(aor)} failed: ${output}`);
  return count;
}
