/**
 * Process control of Kamailio: free ports, the config check (`kamailio -c`), the foreground
 * process (-DD -E, its output to a log file), readiness (its ports accept connections) and
 * stop (SIGTERM, SIGKILL after 5 s). Knows nothing of the config's content.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

async function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolveFree(false));
    sock.bind(port, host, () => sock.close(() => resolveFree(true)));
  });
}

/** A port free on TCP (and UDP when asked). */
export async function freePort(host = '127.0.0.1', udpToo = false): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freeTcpPort(host);
    if (!udpToo || (await udpPortFree(host, port))) return port;
  }
  throw new Error('no free port found');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolveOk) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolveOk(ok);
    };
    socket.setTimeout(500);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

/** `kamailio -c`: throws with the tail of its output when it rejects the config. */
export function checkConfig(bin: string, configPath: string): void {
  const check = spawnSync(bin, ['-c', '-f', configPath], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(`kamailio rejected ${configPath}:\n${(check.stderr || check.stdout).split('\n').slice(-25).join('\n')}`);
  }
}

export interface KamailioProcess {
  child: ChildProcess;
  /** Current content of the log file. */
  readLog(): string;
  /** Why the process is gone (spawn error, exit code or signal); undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), close the log, remove removeOnStop. Idempotent. */
  stop(): Promise<void>;
}

/** Start Kamailio in the foreground, its stdout and stderr appended to logFile (and to onLog, line by line). */
export function spawnKamailio(args: {
  bin: string;
  configPath: string;
  pidFile: string;
  runtimeDir: string;
  logFile: string;
  onLog?: (line: string) => void;
  /** A directory removed once the process has exited (the runtime dir when it is ours). */
  removeOnStop?: string;
}): KamailioProcess {
  const { onLog, logFile } = args;
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(args.bin, ['-DD', '-E', '-f', args.configPath, '-P', args.pidFile, '-w', args.runtimeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (onLog) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLog(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const exitReason = (): string | undefined =>
    spawnError || child.exitCode !== null || child.signalCode !== null ? (spawnError?.message ?? `code ${child.exitCode} ${child.signalCode ?? ''}`) : undefined;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 5000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 2000);
        }
      }
      await new Promise<void>((r) => log.end(() => r()));
      if (args.removeOnStop) rmSync(args.removeOnStop, { recursive: true, force: true });
    })();
    return stopped;
  };
  return { child, readLog, exitReason, stop };
}

/**
 * Resolves once every port accepts connections; when the process exits first or timeoutMs
 * passes, stops it and throws with the tail of its log.
 */
export async function waitUntilReady(proc: KamailioProcess, host: string, ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = proc.exitReason();
    if (exited !== undefined) {
      const tail = proc.readLog().split('\n').slice(-30).join('\n');
      await proc.stop();
      throw new Error(`kamailio exited during start (${exited}):\n${tail}`);
    }
    const ready = await Promise.all(ports.map((p) => canConnect(host, p)));
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline) {
      const tail = proc.readLog().split('\n').slice(-30).join('\n');
      await proc.stop();
      throw new Error(`kamailio did not open ports ${ports.join(', ')} within ${timeoutMs} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
