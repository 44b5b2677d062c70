/**
 * Targets (OMA SIP Push 5.3.1 function 7; issue 12 item 6): which terminals a push goes to,
 * one delivery key each, and how each is addressed on the wire. Pure: the caller gives the
 * directory's view of the receivers.
 *
 * Delivery keys (the queue's `terminal`, psa-contract.md):
 *   `instance:<urn:uuid:...>`  a terminal with a `+sip.instance` (RFC 5626)
 *   `gruu:<uri>`               a terminal known only by its public GRUU (RFC 5627)
 *   `contact:<uri>`            a registered contact with neither (the directory's own key)
 *   `aor:<aor>`                nobody known at the AoR yet: sent to the AoR when a contact appears
 *
 * Resolution at submit (`resolveTargets`), per target:
 *
 * | Target | Directory knows | Keys | Refused |
 * | --- | --- | --- | --- |
 * | `{aor}` / `{aor, terminals: 'app'}` | terminals that announce the app | their keys | - |
 * |  | no terminal announcing it (none, unknown apps, or other apps) | `aor:<aor>` | - |
 * | `{aor, terminals: 'all'}` | terminals | every terminal's key | those whose known apps lack the app: `does not announce app X` |
 * |  | none | `aor:<aor>` | - |
 * | `{aor, instance}` | that instance | its key (`instance:<urn>`) | - |
 * |  | not it | `instance:<urn>` | - |
 * | `{gruu}` | a terminal with that pub-gruu | its key | - |
 * |  | not it | `gruu:<uri>` | - |
 *
 * Keys repeat across a list only once (the first target's wins). A terminal whose apps are
 * unknown (Kamailio's reginfo, OPTIONS pending) is not counted as announcing the app in
 * `app` mode: the AoR key then lets the core pick by Accept-Contact.
 *
 * Addressing (`addressFor`, at send time, since the directory may have learnt a GRUU or an
 * instance since the submit): the Request-URI is the terminal's public GRUU when known, else
 * the AoR; every request carries the app predicate
 * `Accept-Contact: *;+g.oma.pusheventapp="<app>";require;explicit` (ARCHITECTURE.md section 2);
 * one addressed to an instance by its AoR also carries
 * `Accept-Contact: *;+sip.instance="<urn:uuid:...>";require;explicit`, after the app's: our
 * Kamailio configuration filters forks by the first Accept-Contact only (route[ACCEPT_CONTACT]).
 */
import { isValidAppId, parseUri, quote, type SipUri } from '../../../../src/protocol/sip/index.ts';
import { acceptContactFor } from '../../pushSender.ts';
import { ServiceError, type ReceiverDirectory, type ReceiverEntry, type TargetSpec, type TerminalEntry } from '../types.ts';

/** Most targets one push may list. */
export const DEFAULT_MAX_TARGETS = 1000;
/** Longest URI (AoR, GRUU) a target may give, characters. */
export const MAX_TARGET_URI_LENGTH = 1024;

/** How to reach one delivery key now. */
export interface DeliveryAddress {
  key: string;
  /** The AoR the key belongs to (the IMDN's sender should be it). */
  aor: string;
  requestUri: string;
  /** Accept-Contact values, one header line each. */
  acceptContact: string[];
  /** The directory's terminal behind the key (its capabilities and apps for selectMode); null for an AoR key or a terminal not known yet. */
  terminal: TerminalEntry | null;
}

/** A key refused at submit: the queue enqueues it, then reports it undeliverable with `reason`. */
export interface TargetRefusal {
  key: string;
  aor: string;
  reason: string;
}

export interface ResolvedTargets {
  /** Every key to enqueue (addressed ones, then refused ones), each once. */
  keys: string[];
  addresses: DeliveryAddress[];
  refused: TargetRefusal[];
  /** Key -> AoR, for every key: store it with the push so addressFor finds the AoR of an instance or GRUU key. */
  aorOf: Record<string, string>;
  /** The AoRs the targets name: the directory should watch them. */
  aors: string[];
}

export type AddressDecision =
  | ({ kind: 'send' } & DeliveryAddress)
  /** Not sent now: park until a contact appears (the queue's `no-contact` outcome). */
  | { kind: 'no-contact'; reason: string }
  /** Never sendable to this key: report undeliverable. */
  | { kind: 'refused'; reason: string };

export type DirectoryLookup = (aor: string) => ReceiverEntry | undefined;

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function bad(field: string, message: string): never {
  throw new ServiceError('PSA_ERR_INPUT', `${field} ${message}`, field);
}

function sipUri(value: unknown, field: string): SipUri {
  if (typeof value !== 'string' || value.trim() === '') bad(field, 'must be a SIP URI such as sip:alice@example.com');
  if (value.length > MAX_TARGET_URI_LENGTH) bad(field, `is ${value.length} characters; at most ${MAX_TARGET_URI_LENGTH} are allowed`);
  let uri: SipUri;
  try {
    uri = parseUri(value);
  } catch {
    bad(field, `is not a SIP URI: ${JSON.stringify(value.slice(0, 80))}; write it as sip:user@domain`);
  }
  if (uri.headers !== undefined) bad(field, 'must not carry ?headers; give the URI alone');
  return uri;
}

/** `sip:user@host[:port]` without parameters: the AoR as the directory keys it. */
function canonicalAor(uri: SipUri): string {
  return `${uri.scheme}:${uri.user}@${uri.host}${uri.port === undefined ? '' : `:${uri.port}`}`;
}

function aorField(value: unknown, field: string): string {
  const uri = sipUri(value, field);
  if (uri.user === undefined) bad(field, 'must name a user (sip:user@domain), not only a domain');
  return canonicalAor(uri);
}

/** `urn:uuid:...` (lower case), also taken in angle brackets as a Contact carries it. */
function instanceField(value: unknown, field: string): string {
  if (typeof value !== 'string') bad(field, 'must be an instance ID urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
  const text = value.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
  if (!UUID_URN.test(text)) bad(field, `must be an instance ID urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, got ${JSON.stringify(value.slice(0, 80))}`);
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneTarget(value: unknown, field: string): TargetSpec {
  if (typeof value === 'string') return { aor: aorField(value, field) };
  if (!isRecord(value)) bad(field, 'must be a SIP URI string or an object {aor}, {aor, terminals}, {aor, instance} or {gruu}');
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !['aor', 'terminals', 'instance', 'gruu'].includes(k));
  if (unknown.length > 0) bad(`${field}.${unknown[0]}`, 'is not a target field; use aor, terminals, instance or gruu');
  if ('gruu' in value) {
    if (keys.length !== 1) bad(field, 'with gruu takes no other field: the GRUU names one terminal');
    const gruu = sipUri(value.gruu, `${field}.gruu`);
    if (gruu.user === undefined) bad(`${field}.gruu`, 'must be a GRUU such as sip:alice@example.com;gr=urn:uuid:...');
    return { gruu: (value.gruu as string).trim() };
  }
  if (!('aor' in value)) bad(`${field}.aor`, 'is required (or give gruu)');
  const aor = aorField(value.aor, `${field}.aor`);
  if ('instance' in value) {
    if ('terminals' in value) bad(`${field}.terminals`, 'cannot be combined with instance: the instance names one terminal');
    return { aor, instance: instanceField(value.instance, `${field}.instance`) };
  }
  if (value.terminals === undefined) return { aor };
  if (value.terminals !== 'app' && value.terminals !== 'all') bad(`${field}.terminals`, `must be app or all, got ${JSON.stringify(value.terminals)}`);
  return { aor, terminals: value.terminals };
}

/**
 * The targets of a submit as the API takes them (psa-contract.md): a SIP URI string, an
 * object, or an array of these. `field` is the JSON field (`targets`): errors name
 * `targets[1].gruu` (or `target.aor` for a single value under `target`). Throws ServiceError
 * PSA_ERR_INPUT. AoRs come back canonical (`sip:user@host[:port]`), instances in lower case.
 */
export function validateTargets(input: unknown, field = 'targets', maxTargets = DEFAULT_MAX_TARGETS): TargetSpec[] {
  if (!Array.isArray(input)) return [oneTarget(input, field)];
  if (input.length === 0) bad(field, 'must list at least one target');
  if (input.length > maxTargets) bad(field, `lists ${input.length} targets; at most ${maxTargets} are allowed per push (split the list)`);
  return input.map((value, i) => oneTarget(value, `${field}[${i}]`));
}

function sameApp(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** true / false when the terminal's apps are known, undefined when not. */
function announces(terminal: TerminalEntry, app: string): boolean | undefined {
  return terminal.pushApps === null ? undefined : terminal.pushApps.some((a) => sameApp(a, app));
}

/** The Accept-Contact that asks for one instance (RFC 3841 predicate, the Contact's `+sip.instance` form). */
export function instanceAcceptContact(instance: string): string {
  return `*;+sip.instance=${quote(`<${instance}>`)};require;explicit`;
}

/** How to reach a terminal the directory knows: its GRUU, else its AoR with its instance. */
function terminalAddress(key: string, aor: string, terminal: TerminalEntry, app: string): DeliveryAddress {
  const appPredicate = acceptContactFor(app);
  if (terminal.pubGruu) return { key, aor, requestUri: terminal.pubGruu, acceptContact: [appPredicate], terminal };
  if (terminal.instanceId) return { key, aor, requestUri: aor, acceptContact: [appPredicate, instanceAcceptContact(terminal.instanceId)], terminal };
  // A contact with neither cannot be singled out through the core: the AoR with the app.
  return { key, aor, requestUri: aor, acceptContact: [appPredicate], terminal };
}

function aorAddress(aor: string, app: string): DeliveryAddress {
  return { key: `aor:${aor}`, aor, requestUri: aor, acceptContact: [acceptContactFor(app)], terminal: null };
}

/** The AoR a GRUU belongs to: the GRUU without its parameters (RFC 5627 section 3.1: `;gr=` on the AoR). */
function aorOfGruu(gruu: string): string | undefined {
  try {
    const uri = parseUri(gruu);
    return uri.user === undefined ? undefined : canonicalAor(uri);
  } catch {
    return undefined;
  }
}

function findByGruu(entry: ReceiverEntry | undefined, gruu: string): TerminalEntry | undefined {
  return entry?.terminals.find((t) => t.pubGruu === gruu);
}

function findByInstance(entry: ReceiverEntry | undefined, instance: string): TerminalEntry | undefined {
  return entry?.terminals.find((t) => t.instanceId?.toLowerCase() === instance);
}

/**
 * Delivery keys and addresses for `specs` (validated: see validateTargets), and the keys
 * refused at once (the table above). Throws ServiceError PSA_ERR_INPUT for a bad app ID.
 */
export function resolveTargets(specs: readonly TargetSpec[], app: string, lookup: DirectoryLookup): ResolvedTargets {
  if (typeof app !== 'string' || !isValidAppId(app)) bad('app', `must be a push application ID (an RFC 3840 token such as news.ua), got ${JSON.stringify(app)}`);
  const out: ResolvedTargets = { keys: [], addresses: [], refused: [], aorOf: {}, aors: [] };
  const seen = new Set<string>();
  const watch = (aor: string) => {
    if (!out.aors.includes(aor)) out.aors.push(aor);
  };
  const add = (address: DeliveryAddress) => {
    if (seen.has(address.key)) return;
    seen.add(address.key);
    out.addresses.push(address);
    out.aorOf[address.key] = address.aor;
  };
  const refuse = (refusal: TargetRefusal) => {
    if (seen.has(refusal.key)) return;
    seen.add(refusal.key);
    out.refused.push(refusal);
    out.aorOf[refusal.key] = refusal.aor;
  };

  for (const spec of specs) {
    if ('gruu' in spec) {
      const aor = aorOfGruu(spec.gruu) ?? spec.gruu;
      watch(aor);
      const terminal = findByGruu(lookup(aor), spec.gruu);
      add(terminal ? terminalAddress(terminal.key, aor, terminal, app) : { key: `gruu:${spec.gruu}`, aor, requestUri: spec.gruu, acceptContact: [acceptContactFor(app)], terminal: null });
      continue;
    }
    const { aor } = spec;
    watch(aor);
    const entry = lookup(aor);
    if ('instance' in spec) {
      const terminal = findByInstance(entry, spec.instance);
      add(terminal ? terminalAddress(terminal.key, aor, terminal, app) : { key: `instance:${spec.instance}`, aor, requestUri: aor, acceptContact: [acceptContactFor(app), instanceAcceptContact(spec.instance)], terminal: null });
      continue;
    }
    const terminals = entry?.terminals ?? [];
    if (spec.terminals === 'all' && terminals.length > 0) {
      for (const t of terminals) {
        if (announces(t, app) === false) refuse({ key: t.key, aor, reason: `does not announce app ${app} (announces ${t.pushApps!.join(', ') || 'none'})` });
        else add(terminalAddress(t.key, aor, t, app));
      }
      continue;
    }
    const withApp = terminals.filter((t) => announces(t, app) === true);
    if (withApp.length === 0) add(aorAddress(aor, app));
    else for (const t of withApp) add(terminalAddress(t.key, aor, t, app));
  }
  out.keys = [...out.addresses.map((a) => a.key), ...out.refused.map((r) => r.key)];
  return out;
}

function findTerminal(directory: Pick<ReceiverDirectory, 'get' | 'list'>, aor: string | undefined, match: (t: TerminalEntry) => boolean): { aor: string; terminal: TerminalEntry } | undefined {
  const entries = aor !== undefined ? [directory.get(aor)] : directory.list();
  for (const entry of entries) {
    const terminal = entry?.terminals.find(match);
    if (entry && terminal) return { aor: entry.aor, terminal };
  }
  return undefined;
}

/**
 * How to send to `key` now (the table above), from what the directory knows at send time.
 * `aor`: the key's AoR (ResolvedTargets.aorOf), needed for instance keys the directory
 * does not know; without it the directory's entries are searched.
 *
 * - `aor:<aor>`: sent to the AoR with the app predicate, unless the directory's active
 *   subscription shows no contact, or only contacts whose known apps lack the app (no-contact).
 * - `instance:`/`gruu:`/`contact:` keys of a terminal the directory lists: its address; refused
 *   when its known apps lack the app.
 * - an instance the directory does not list: no-contact when the directory knows the AoR
 *   (the terminal is not registered), else sent to the AoR with the instance predicate (the
 *   core decides).
 * - a GRUU the directory does not list: sent to the GRUU (the core answers 480 while it has
 *   no contact, which the queue retries).
 * - a `contact:` key no longer listed: no-contact.
 */
export function addressFor(key: string, app: string, directory: Pick<ReceiverDirectory, 'get' | 'list'>, aor?: string): AddressDecision {
  const appPredicate = acceptContactFor(app);
  const send = (address: DeliveryAddress): AddressDecision => ({ kind: 'send', ...address });
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);

  const known = (found: { aor: string; terminal: TerminalEntry }): AddressDecision => {
    if (announces(found.terminal, app) === false) return { kind: 'refused', reason: `does not announce app ${app} (announces ${found.terminal.pushApps!.join(', ') || 'none'})` };
    return send(terminalAddress(key, found.aor, found.terminal, app));
  };

  switch (kind) {
    case 'aor': {
      const entry = directory.get(value);
      if (entry && entry.subscription === 'active') {
        if (entry.terminals.length === 0) return { kind: 'no-contact', reason: `no contact registered at ${value}` };
        if (entry.terminals.every((t) => announces(t, app) === false)) return { kind: 'no-contact', reason: `no terminal registered at ${value} announces app ${app}` };
      }
      return send({ key, aor: value, requestUri: value, acceptContact: [appPredicate], terminal: null });
    }
    case 'instance': {
      const found = findTerminal(directory, aor, (t) => t.instanceId?.toLowerCase() === value || t.key === key);
      if (found) return known(found);
      if (aor === undefined) return { kind: 'no-contact', reason: `no registered terminal has instance ${value}` };
      if (directory.get(aor)?.subscription === 'active') return { kind: 'no-contact', reason: `terminal ${value} is not registered at ${aor}` };
      return send({ key, aor, requestUri: aor, acceptContact: [appPredicate, instanceAcceptContact(value)], terminal: null });
    }
    case 'gruu': {
      const gruuAor = aor ?? aorOfGruu(value);
      const found = findTerminal(directory, gruuAor, (t) => t.pubGruu === value || t.key === key);
      if (found) return known(found);
      return send({ key, aor: gruuAor ?? value, requestUri: value, acceptContact: [appPredicate], terminal: null });
    }
    case 'contact': {
      const found = findTerminal(directory, aor, (t) => t.key === key);
      if (found) return known(found);
      return { kind: 'no-contact', reason: `contact ${value} is no longer registered` };
    }
    default:
      throw new ServiceError('PSA_ERR_INPUT', `Unknown delivery key ${JSON.stringify(key)}: keys start with instance:, gruu:, contact: or aor:`, 'terminal');
  }
}
