/**
 * A PushService in memory (server/sender/service/types.ts) for the HTTP API's and the CLI's
 * tests: pushes get one delivery per target (`aor:`, `gruu:` or `instance:` key), every status
 * change is logged with an increasing event ID and published, and the test moves deliveries
 * along with `move()`, or scripts them per push with `onSubmit`. `failNext` makes the next
 * submit throw (a ServiceError, for the API's error mapping).
 */
import type { CancelResult, DeliveryStatus, PushState, StatusChange } from '../sender/queue/index.ts';
import type { PushService, ReceiverEntry, SubmitRequest, TargetSpec } from '../sender/service/types.ts';
import { ServiceError } from '../sender/service/types.ts';

export interface FakePushService extends PushService {
  /** Every submit the service accepted, as it received it. */
  readonly submitted: SubmitRequest[];
  readonly pushes: Map<string, PushState>;
  /** The change log (changesSince reads it). */
  readonly log: StatusChange[];
  receiverList: ReceiverEntry[];
  healthState: { sip: string; queue: string };
  /** The next submit throws this. */
  failNext(error: Error): void;
  /** Move one delivery to `to` and publish the change. */
  move(pushId: string, terminal: string, to: DeliveryStatus, extra?: { reason?: string; sipStatus?: number }): StatusChange;
  /** Called after each accepted submit (the state is already published as pending). */
  onSubmit?: (push: PushState, fake: FakePushService) => void;
  /** Live listeners now. */
  listenerCount(): number;
}

export function terminalKey(target: TargetSpec): string {
  if ('gruu' in target) return `gruu:${target.gruu}`;
  if ('instance' in target) return `instance:${target.instance}`;
  return `aor:${target.aor}`;
}

export function createFakePushService(options: { clock?: () => number } = {}): FakePushService {
  const clock = options.clock ?? Date.now;
  const listeners = new Set<(change: StatusChange) => void>();
  let nextEventId = 1;
  let nextPush = 1;
  let failure: Error | undefined;

  const publish = (change: Omit<StatusChange, 'eventId' | 'at'>): StatusChange => {
    const full: StatusChange = { eventId: nextEventId++, at: clock(), ...change };
    fake.log.push(full);
    for (const listener of [...listeners]) listener(full);
    return full;
  };
  const copy = (push: PushState): PushState => structuredClone(push);

  const fake: FakePushService = {
    submitted: [],
    pushes: new Map(),
    log: [],
    receiverList: [],
    healthState: { sip: 'registered', queue: 'ok' },
    failNext(error) {
      failure = error;
    },
    async submit(request) {
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      const pushId = request.pushId ?? `push-${nextPush++}`;
      if (fake.pushes.has(pushId)) throw new ServiceError('PSA_ERR_PUSH_ID_TAKEN', `Push ID ${pushId} is taken; give another pushId, or leave it out`, 'pushId');
      fake.submitted.push(request);
      const now = clock();
      const content = request.content;
      const push: PushState = {
        pushId,
        target: request.targets as unknown as PushState['target'],
        app: request.app,
        contentType: request.contentType,
        contentSize: content instanceof Uint8Array ? content.length : content.size,
        ...(content instanceof Uint8Array ? {} : { contentFile: content.file }),
        reportRequested: request.reportRequested,
        priority: { low: -1, normal: 0, high: 1 }[request.priority],
        ...(request.deliverAfter !== undefined ? { deliverAfter: request.deliverAfter } : {}),
        ...(request.deliverBefore !== undefined ? { deliverBefore: request.deliverBefore } : {}),
        createdAt: now,
        updatedAt: now,
        deliveries: [...new Set(request.targets.map(terminalKey))].map((terminal) => ({ terminal, status: 'pending' as const, attempts: 0, nextAttemptAt: now, inFlight: false, updatedAt: now })),
      };
      fake.pushes.set(pushId, push);
      for (const d of push.deliveries) publish({ pushId, terminal: d.terminal, to: 'pending', attempts: 0 });
      const answer = copy(push);
      fake.onSubmit?.(push, fake);
      return answer;
    },
    async get(pushId) {
      const push = fake.pushes.get(pushId);
      return push && copy(push);
    },
    async cancel(pushId) {
      const push = fake.pushes.get(pushId);
      if (!push) throw new ServiceError('PSA_ERR_NOT_FOUND', `No push ${pushId}; check the pushId`, 'pushId');
      const cancel: CancelResult = { cancelled: [], inFlight: [], unchanged: [] };
      push.cancelledAt = clock();
      for (const d of push.deliveries) {
        if (d.status === 'pending') {
          fake.move(pushId, d.terminal, 'cancelled');
          cancel.cancelled.push(d.terminal);
        } else cancel.unchanged.push({ terminal: d.terminal, status: d.status });
      }
      return { push: copy(push), cancel };
    },
    receivers: () => fake.receiverList,
    receiver: (aor) => fake.receiverList.find((r) => r.aor === aor),
    async changesSince(afterEventId, limit = 100) {
      return fake.log.filter((c) => c.eventId > afterEventId).slice(0, limit);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    health: () => fake.healthState,
    move(pushId, terminal, to, extra = {}) {
      const push = fake.pushes.get(pushId);
      const delivery = push?.deliveries.find((d) => d.terminal === terminal);
      if (!push || !delivery) throw new Error(`fake service: no delivery ${pushId} ${terminal}`);
      const from = delivery.status;
      delivery.status = to;
      delivery.updatedAt = push.updatedAt = clock();
      if (extra.reason !== undefined) delivery.reason = extra.reason;
      if (extra.sipStatus !== undefined) delivery.lastSipStatus = extra.sipStatus;
      return publish({ pushId, terminal, from, to, attempts: delivery.attempts, ...extra });
    },
    listenerCount: () => listeners.size,
  };
  return fake;
}
