/**
 * `npm start -- --core kamailio`: the web client and sender settings for a Kamailio core
 * started with `npm run core:kamailio` in another terminal. Both read the same environment
 * (deploy/kamailio/launch.ts optionsFromEnv: KAMAILIO_HOST, KAMAILIO_WS_PORT, KAMAILIO_DOMAIN,
 * KAMAILIO_USERS, KAMAILIO_PUSH_SENDERS), so with no settings they agree on
 * ws://127.0.0.1:8080, domain sip-push.test, receiver alice and push sender psa.
 */
import { normaliseIdentity, type KamailioOptions } from '../deploy/kamailio/launch.ts';

export interface StackIdentity {
  aor: string;
  authUser: string;
  password: string;
}

export interface KamailioStack {
  wsUrl: string;
  domain: string;
  receiver: StackIdentity;
  sender: StackIdentity;
}

export function kamailioStack(options: KamailioOptions): KamailioStack {
  const host = options.host ?? '127.0.0.1';
  const domain = options.domain ?? 'sip-push.test';
  const users = options.users ?? {};
  const senders = new Set((options.pushSenders ?? []).map((id) => normaliseIdentity(id, domain)));
  const identity = (user: string): StackIdentity => ({ aor: `sip:${user}@${domain}`, authUser: user, password: users[user]! });
  const names = Object.keys(users);
  const sender = names.find((user) => senders.has(`${user}@${domain}`));
  const receiver = names.find((user) => !senders.has(`${user}@${domain}`));
  if (!sender) throw new Error(`no provisioned user is an allowed push sender (KAMAILIO_USERS=${names.join(',')}, KAMAILIO_PUSH_SENDERS=${[...senders].join(',')})`);
  if (!receiver) throw new Error(`no provisioned user to receive pushes: every one of ${names.join(', ')} is a push sender`);
  return { wsUrl: `ws://${host}:${options.wsPort ?? 8080}`, domain, receiver: identity(receiver), sender: identity(sender) };
}

/** The sender CLI flags that reach this core as the push sender. */
export function senderFlags(stack: KamailioStack): string {
  return `--server ${stack.wsUrl} --from ${stack.sender.aor} --auth-user ${stack.sender.authUser} --password ${stack.sender.password}`;
}
