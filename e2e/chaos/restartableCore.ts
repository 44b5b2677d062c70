/**
 * A core of either kind that a test owns and can restart on the same ports, so the page and
 * the sender find it again at the same URL (the worker's `core` fixture stays untouched):
 * - embedded: close() and startCore() again with the same wsPort; bindings live in memory, so
 *   the restarted core has none (a restart with no persistence);
 * - Kamailio: SIGTERM, then start again with the same ports, secret and runtime directory,
 *   keeping its databases (`keepDatabases`): subscribers, msilo's stored messages and the
 *   bindings usrloc wrote back, as an operator's restart does. The bindings it reloads point
 *   at WebSocket connections that died with the old process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore, type RunningCore } from '../../server/core/index.ts';
import { readBindings } from '../../deploy/kamailio/bindings.ts';
import { startKamailio, type KamailioHandle, type KamailioOptions } from '../../deploy/kamailio/launch.ts';
import type { CoreKind, CoreUnderTest, SipIdentity } from '../fixtures/cores.ts';

export interface RestartableCore extends CoreUnderTest {
  /** Stop the core and start it again on the same ports; resolves when it accepts connections. */
  restart(): Promise<void>;
  /** How often it was restarted. */
  readonly restarts: number;
}

export function startRestartableCore(kind: CoreKind): Promise<RestartableCore> {
  return kind === 'embedded' ? startRestartableEmbedded() : startRestartableKamailio();
}

async function startRestartableEmbedded(): Promise<RestartableCore> {
  let core: RunningCore = await startCore({ wsPort: 0, sipPort: null, noAuth: true });
  const wsPort = Number(new URL(core.wsUrl).port);
  let restarts = 0;
  let next = 0;
  return {
    kind: 'embedded',
    wsUrl: core.wsUrl,
    domain: core.domain,
    sender: { aor: `sip:psa@${core.domain}` },
    newReceiver: () => ({ aor: `sip:chaos${process.pid.toString(36)}r${++next}${randomBytes(2).toString('hex')}@${core.domain}` }),
    bindings: async (aor) => core.bindings(aor).map((b) => ({ aor: b.aor, contact: b.contact, pushApps: b.pushApps, instanceId: b.instanceId })),
    get restarts() {
      return restarts;
    },
    async restart() {
      await core.close();
      core = await startCore({ wsPort, sipPort: null, noAuth: true });
      restarts++;
    },
    close: () => core.close(),
  };
}

async function startRestartableKamailio(): Promise<RestartableCore> {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'kamailio-chaos-'));
  const receivers = ['rx1', 'rx2', 'rx3', 'rx4'];
  const users = Object.fromEntries(['psa', ...receivers].map((user) => [user, `${user}-${randomBytes(6).toString('hex')}`]));
  const options: KamailioOptions = { users, pushSenders: ['psa'], usrlocTimerInterval: 1, runtimeDir, secret: randomBytes(16).toString('hex') };
  let kamailio: KamailioHandle = await startKamailio(options);
  // The same ports on every restart.
  Object.assign(options, { wsPort: kamailio.wsPort, sipPort: kamailio.sipPort, keepDatabases: true });
  const domain = kamailio.domain;
  const identity = (user: string): Required<SipIdentity> => ({ aor: `sip:${user}@${domain}`, authUser: user, password: users[user]! });
  let restarts = 0;
  let next = 0;
  return {
    kind: 'kamailio',
    wsUrl: kamailio.wsUrl,
    domain,
    sender: identity('psa'),
    credentials: { domain, passwordFor: (user) => users[user] },
    newReceiver: () => {
      const user = receivers[next++];
      if (!user) throw new Error(`all ${receivers.length} receivers of this restartable Kamailio are in use`);
      return identity(user);
    },
    bindings: async (aor) =>
      readBindings(kamailio.locationDbPath, aor, domain).map((b) => ({
        aor: `sip:${b.aor}`,
        contact: b.contact,
        pushApps: b.pushApps,
        instanceId: b.instance?.replace(/^<(.*)>$/, '$1') ?? null,
      })),
    get restarts() {
      return restarts;
    },
    async restart() {
      await kamailio.stop();
      // The next process appends to the same log file.
      kamailio = await startKamailio(options);
      restarts++;
    },
    log: () => kamailio.readLog(),
    async close() {
      await kamailio.stop();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
