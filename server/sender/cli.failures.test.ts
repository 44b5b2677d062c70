/**
 * Every way a push commonly fails, run as users run the CLI (a process against a real core):
 * one line on stderr that names the cause and the fix, no usage text, no stack, and exit
 * status 2 for a usage error, 1 for a delivery failure.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cliProcess.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { fileProblem } from './cliFailures.ts';

const ALICE = 'sip:alice@localhost';
const PSA_PASSWORD = 'psa-secret';
const ALICE_PASSWORD = 'alice-secret';

let core: TestCore;
let dir: string;
let http200: http.Server;
let http404: http.Server;
let msrpPortTaker: net.Server;
const urlOf = (server: net.Server | http.Server) => `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
const listen = async <S extends net.Server>(server: S): Promise<S> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};
let closedUrl: string;

beforeAll(async () => {
  core = await startTestCore({ users: { alice: ALICE_PASSWORD, psa: PSA_PASSWORD } });
  // The receiver: alice, registered with the apps news.ua and mms.ua, storing every MESSAGE.
  const alice = await core.ua({ aor: ALICE, password: ALICE_PASSWORD, autoAnswer: { MESSAGE: 200 } });
  expect((await alice.register({ contactParams: ';+g.oma.pusheventapp="news.ua,mms.ua"' })).status).toBe(200);
  http200 = await listen(http.createServer((_req, res) => res.end('a web page')));
  http404 = await listen(http.createServer((_req, res) => res.writeHead(404).end('not here')));
  msrpPortTaker = await listen(net.createServer());
  // A port nothing listens on: bound, then closed.
  const closed = await listen(net.createServer());
  closedUrl = urlOf(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  dir = mkdtempSync(join(tmpdir(), 'sender-cli-failures-'));
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'small.txt'), 'hello');
  writeFileSync(join(dir, 'locked.txt'), 'secret');
  chmodSync(join(dir, 'locked.txt'), 0o000);
});

afterAll(async () => {
  await core?.close();
  http200?.close();
  http404?.close();
  msrpPortTaker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Row {
  name: string;
  args: () => string[];
  env?: () => Record<string, string>;
  code: number;
  /** The one stderr line, exactly. */
  line: () => string;
}

const sender = () => ['--server', core.wsUrl, '--password', PSA_PASSWORD];
const toAlice = ['--to', ALICE, '--app', 'news.ua'];
const HELP = 'see npm run push -- --help';
/** A CLI process starts tsx (a second or two of CPU): one per core but one at a time, the rest queue. */
const PROCESS_TIMEOUT_MS = 90_000;
const running: Array<() => void> = [];
let slots = Math.max(1, availableParallelism() - 1);
async function inSlot<T>(run: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resume) => running.push(resume));
  else slots--;
  try {
    return await run();
  } finally {
    const next = running.shift();
    if (next) next();
    else slots++;
  }
}

const rows: Row[] = [
  {
    name: 'an app the receiver has not registered (480)',
    args: () => [...sender(), '--to', ALICE, '--app', 'foo.ua', '--data', 'x'],
    code: 1,
    line: () => `push failed: 480 No contact matches Accept-Contact: ${ALICE} has no contact with push app foo.ua registered (registered apps: mms.ua, news.ua); check --app`,
  },
  {
    name: 'a user nobody registered as (404)',
    args: () => [...sender(), '--to', 'sip:bob@localhost', '--app', 'news.ua', '--data', 'x'],
    code: 1,
    line: () => 'push failed: 404 Not Found: sip:bob@localhost is not registered at the core; open the web client as that user so it registers, or check --to',
  },
  {
    name: '--server at an HTTP server answering 200',
    args: () => ['--server', urlOf(http200), ...toAlice, '--data', 'x'],
    code: 1,
    line: () => `push failed: ${urlOf(http200)} is an HTTP server, not a SIP WebSocket (it answered the upgrade with HTTP 200); point --server at the core's SIP WebSocket URL (npm start prints it)`,
  },
  {
    name: '--server at an HTTP server answering 404',
    args: () => ['--server', urlOf(http404), ...toAlice, '--data', 'x'],
    code: 1,
    line: () => `push failed: ${urlOf(http404)} is an HTTP server, not a SIP WebSocket (it answered the upgrade with HTTP 404); point --server at the core's SIP WebSocket URL (npm start prints it)`,
  },
  {
    name: '--server at a closed port',
    args: () => ['--server', closedUrl, ...toAlice, '--data', 'x'],
    code: 1,
    line: () => `push failed: connection refused at ${closedUrl}: no SIP/IP Core listens there; start the core (npm start), or check --server`,
  },
  {
    name: 'SIP_PUSH_SERVER at a closed port',
    args: () => [...toAlice, '--data', 'x'],
    env: () => ({ SIP_PUSH_SERVER: closedUrl }),
    code: 1,
    line: () => `push failed: connection refused at ${closedUrl}: no SIP/IP Core listens there; start the core (npm start), or check SIP_PUSH_SERVER (or --server)`,
  },
  {
    name: 'a --file that does not exist',
    args: () => [...sender(), ...toAlice, '--file', join(dir, 'missing.txt')],
    code: 2,
    line: () => `push: --file ${join(dir, 'missing.txt')}: no such file; check the path`,
  },
  {
    name: 'a --file that is a directory',
    args: () => [...sender(), ...toAlice, '--file', join(dir, 'a-directory')],
    code: 2,
    line: () => `push: --file ${join(dir, 'a-directory')}: is a directory; give the path of a file`,
  },
  // root reads any file: the unreadable row runs for other users only (fileProblem's text is checked below).
  ...(process.getuid?.() === 0
    ? []
    : [
        {
          name: 'a --file that cannot be read',
          args: () => [...sender(), ...toAlice, '--mode', 'msrp', '--file', join(dir, 'locked.txt')],
          code: 2,
          line: () => `push: --file ${join(dir, 'locked.txt')}: not readable (permission denied); make it readable, or give another file`,
        },
      ]),
  {
    name: 'a malformed --to',
    args: () => [...sender(), '--to', 'alice', '--data', 'x'],
    code: 2,
    line: () => `push: --to alice: not a sip: or sips: URI; ${HELP}`,
  },
  {
    name: 'an --app that is not a token',
    args: () => [...sender(), '--to', ALICE, '--app', 'news ua', '--data', 'x'],
    code: 2,
    line: () => `push: --app news ua: not an RFC 3840 token (letters, digits and - . % * _ + \` ' ~); ${HELP}`,
  },
  {
    name: 'an unknown flag',
    args: () => [...sender(), ...toAlice, '--dat', 'x'],
    code: 2,
    line: () => `push: Unknown option '--dat'; ${HELP}`,
  },
  {
    name: 'a core that wants a password, none given (407)',
    args: () => ['--server', core.wsUrl, ...toAlice, '--data', 'x'],
    code: 1,
    line: () => 'push failed: 407 Proxy Authentication Required (no credentials configured): the core wants a digest password; add --password (digest user psa; another with --auth-user)',
  },
  {
    name: 'a wrong password (407)',
    args: () => ['--server', core.wsUrl, '--password', 'wrong', ...toAlice, '--data', 'x'],
    code: 1,
    line: () => 'push failed: 407 Proxy Authentication Required (authentication failed): the core refused digest user psa with this password; check --password and --auth-user (npm start prints both)',
  },
  {
    name: 'a wrong --auth-user (407)',
    args: () => ['--server', core.wsUrl, '--password', PSA_PASSWORD, '--auth-user', 'carol', ...toAlice, '--data', 'x'],
    code: 1,
    line: () => 'push failed: 407 Proxy Authentication Required (authentication failed): the core refused digest user carol with this password; check --password and --auth-user (npm start prints both)',
  },
  {
    name: '--auth-user and --from naming different users (403)',
    args: () => ['--server', core.wsUrl, '--auth-user', 'alice', '--password', ALICE_PASSWORD, ...toAlice, '--data', 'x'],
    code: 1,
    line: () => 'push failed: 403 Authenticated user does not match From: digest user alice may only push as itself; make --from and --auth-user name the same user',
  },
  {
    name: 'a taken --msrp-port',
    args: () => [...sender(), ...toAlice, '--mode', 'msrp', '--file', join(dir, 'small.txt'), '--msrp-port', String((msrpPortTaker.address() as net.AddressInfo).port)],
    code: 1,
    line: () =>
      `push failed: cannot listen for MSRP on 127.0.0.1:${(msrpPortTaker.address() as net.AddressInfo).port}: the port is in use (our MSRP endpoint, which the receiver connects to); give another --msrp-port, or 0 for a free one`,
  },
];

describe('CLI failures: one line with the cause and the fix', () => {
  it('sends when nothing is wrong (the rows below fail one thing each)', async () => {
    const run = await runCli([...sender(), ...toAlice, '--data', 'x']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^200 OK \(\d+ ms\)\n$/);
  }, PROCESS_TIMEOUT_MS);

  it.concurrent.each(rows)('$name: exit $code', async (row) => {
    const run = await inSlot(() => runCli(row.args(), row.env?.() ?? {}));
    expect(run.stderr).toBe(`${row.line()}\n`);
    expect(run.code).toBe(row.code);
    // A delivery failure also prints its status line on stdout (as a success does); nothing else.
    if (row.code === 2) expect(run.stdout).toBe('');
  }, PROCESS_TIMEOUT_MS);

  it('names a file nobody may read (the process row needs a user other than root)', () => {
    expect(fileProblem('/x/locked.txt', 'EACCES')).toBe('--file /x/locked.txt: not readable (permission denied); make it readable, or give another file');
  });
});
