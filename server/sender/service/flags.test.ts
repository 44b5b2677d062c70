import { describe, expect, it } from 'vitest';
import { parsePsaFlags, UsageError } from './flags.ts';

const TOKEN = 'a-token-long-enough-1234';
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const parse = (args: string[], env: Record<string, string> = {}, readText = noFiles) => parsePsaFlags(args, env, readText);

function usage(args: string[], env: Record<string, string> = {}, readText = noFiles): string {
  try {
    parse(args, env, readText);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${args.join(' ')}`);
}

describe('npm run psa flags', () => {
  it('defaults: the embedded core, psa@localhost, 127.0.0.1:8077, a generated token, PAP on /pap with the token', () => {
    const flags = parse([]);
    expect(flags.config.core).toEqual({ server: 'ws://127.0.0.1:8066', aor: 'sip:psa@localhost' });
    expect(flags.config.api).toEqual({ host: '127.0.0.1', port: 8077, token: flags.token });
    expect(flags.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(flags.generatedToken).toBe(true);
    expect(flags.config.pap).toEqual({});
    expect(flags.config.console).toEqual({});
    expect(flags.config.queue).toBeUndefined();
  });

  it('reads the environment, and flags win over it', () => {
    const env = { SIP_PUSH_CORE_URL: 'ws://127.0.0.1:9000', SIP_PUSH_PSA_AOR: 'sip:pi@example.com', SIP_PUSH_PSA_PORT: '0', SIP_PUSH_PSA_TOKEN: TOKEN, SIP_PUSH_PSA_PASSWORD: 'pw', SIP_PUSH_QUEUE_URL: 'memory:' };
    const flags = parse([], env);
    expect(flags.config.core).toEqual({ server: 'ws://127.0.0.1:9000', aor: 'sip:pi@example.com', password: 'pw' });
    expect(flags.config.api).toEqual({ host: '127.0.0.1', port: 0, token: TOKEN });
    expect(flags.generatedToken).toBe(false);
    expect(flags.config.queue).toBe('memory:');
    expect(parse(['--port', '8099', '--core', 'wss://core.example:443', '--auth-user', 'p'], env).config).toMatchObject({ api: { port: 8099 }, core: { server: 'wss://core.example:443', authUser: 'p' } });
  });

  it('--no-auth opens the API and the PAP gateway, and has no token', () => {
    const flags = parse(['--no-auth']);
    expect(flags.token).toBeUndefined();
    expect(flags.config.api).toEqual({ host: '127.0.0.1', port: 8077, auth: false });
    expect(flags.config.pap).toEqual({ auth: false });
  });

  it('PAP: path, users from flags and a file, address rules, default app; --no-pap', () => {
    const file = '# initiators\npi-one:secret\n\n  pi-two:pass:with:colons  \n';
    const flags = parse(['--token', TOKEN, '--pap-path', '/wap/pap', '--pap-user', 'cli:pw', '--pap-users-file', 'users.txt', '--pap-address', 'PLMN=sip:{value}@{domain};user=phone', '--pap-address', 'ipv4=off', '--pap-default-app', 'push.sia'], {}, () => file);
    expect(flags.config.pap).toEqual({
      path: '/wap/pap',
      users: ['cli:pw', 'pi-one:secret', 'pi-two:pass:with:colons'],
      addressTemplates: { PLMN: 'sip:{value}@{domain};user=phone', IPv4: null },
      defaultApp: 'push.sia',
    });
    expect(parse(['--no-pap']).config.pap).toBe(false);
    expect(parse(['--pap-notify-host', '127.0.0.1:8090', '--pap-notify-host', '[::1]']).config.pap).toEqual({ notify: { allowHosts: ['127.0.0.1:8090', '[::1]'] } });
    expect(parse([], { SIP_PUSH_PAP_PATH: '/p', SIP_PUSH_PAP_USERS_FILE: 'f' }, () => 'a:b').config.pap).toEqual({ path: '/p', users: ['a:b'] });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'.*flags\.ts/],
    [['--core', 'http://127.0.0.1:8066'], /--core http:\/\/127\.0\.0\.1:8066 is not a WebSocket URL/],
    [['--aor', 'psa'], /--aor psa is not a SIP AoR/],
    [['--port', '65536'], /--port 65536 is not a port number/],
    [['--port=-1'], /--port -1 is not a port number/],
    [['--port', '-1'], /^Option '--port' argument is ambiguous\. Did you forget/],
    [['--port', '80.5'], /--port 80.5 is not a port number/],
    [['--no-auth', '--token', TOKEN], /--no-auth and a token were both given/],
    [['--token', 'short'], /shorter than 16 characters/],
    [['--no-pap', '--pap-path', '/pap'], /--no-pap and --pap-path were both given/],
    [['--pap-path', 'pap'], /--pap-path: the PAP gateway path "pap" is not a plain absolute path such as \/pap/],
    [['--pap-path', '/v1/pap'], /--pap-path: the PAP gateway path \/v1\/pap is under the API's \/v1/],
    [['--pap-user', 'nopassword'], /--pap-user: an entry is not user:password/],
    [['--pap-user', ':pw'], /not user:password/],
    [['--pap-user', 'user:'], /not user:password/],
    [['--no-auth', '--pap-user', 'a:b'], /--no-auth and PAP users were both given/],
    [['--pap-address', 'EMAIL=sip:{value}@x'], /TYPE one of USER, PLMN, IPv4, IPv6/],
    [['--pap-address', 'PLMN=tel:{value}'], /must start with sip: or sips: and hold \{value\}/],
    [['--pap-address', 'USER=sip:fixed@x'], /hold \{value\}/],
    [['--pap-notify-host', 'http://127.0.0.1/'], /--pap-notify-host http:\/\/127\.0\.0\.1\/: write a host or host:port/],
    [['--no-pap', '--pap-notify-host', '127.0.0.1'], /--no-pap and --pap-notify-host were both given/],
    [['--pap-path', '//'], /--pap-path: the PAP gateway path "\/\/" is not a plain absolute path/],
    [['--pap-path', '/x/..'], /not a plain absolute path/],
    [['--pap-path', '/pap/.'], /not a plain absolute path/],
    [['--console-path', '/pap'], /the PAP gateway's path \/pap and the console's \/pap take each other's requests/],
    [['--pap-path', '/console/x'], /take each other's requests/],
    [['--pap-default-app', ''], /--pap-default-app: X-Wap-Application-Id "" is not an application name/],
    [['--pap-default-app', '<bad app>'], /--pap-default-app: /],
    [['--pap-address', 'IPv4=sip:{value}@{nope}'], /--pap-address IPv4: .*has \{nope\}; the placeholders are/],
    [['--pap-address', 'USER=sip:{value}@{domain}>;evil'], /--pap-address USER: .*holds a space, a control character or one of < > "/],
    [['--pap-address', 'USER=sip:{value}@x\r\nVia: y'], /--pap-address "USER=sip:\{value\}@x\\r\\nVia: y": write TYPE=template/],
    [['--no-console', '--console-path', '/c'], /--no-console and --console-path were both given/],
    [['--console-path', '/console/'], /--console-path: console path "\/console\/" is not a plain absolute path/],
    [['--console-path', '/a/../b'], /--console-path: console path "\/a\/\.\.\/b" is not a plain absolute path/],
    [['--console-path', '/v1/console'], /under the API's \/v1/],
  ])('%j is one usage line: %s', (args, message) => {
    const line = usage(args);
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
  });

  it('console: a path, or --no-console', () => {
    expect(parse(['--console-path', '/ops/console']).config.console).toEqual({ path: '/ops/console' });
    expect(parse(['--no-console']).config.console).toBe(false);
  });

  it('a users file that is missing, or has a bad line, names the file and the line', () => {
    expect(usage(['--pap-users-file', '/nope'])).toBe('--pap-users-file /nope: no such file; check the path');
    expect(usage(['--pap-users-file', 'u.txt'], {}, () => 'a:b\nbroken\n')).toBe('--pap-users-file u.txt, line 2: not user:password; write one name:password per line');
    const unreadable = () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    expect(usage(['--pap-users-file', 'u.txt'], {}, unreadable)).toBe('--pap-users-file u.txt: cannot be read (EACCES)');
  });
});
