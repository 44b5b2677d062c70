/**
 * One push as the HTTP API shows it: the queue's PushState (without the server's file path)
 * plus a summary `status` over its deliveries, so a client reads one word instead of folding
 * the per-terminal statuses itself.
 *
 * The rule (`summaryStatus`), the least advanced delivery first:
 *
 *   no deliveries                                     -> pending
 *   any delivery pending                              -> pending
 *   else any accepted (the core holds it, 202)        -> accepted
 *   else every delivery is delivered, displayed or final, and:
 *     all displayed                                   -> displayed
 *     all delivered or displayed                      -> delivered
 *     some delivered/displayed, some failed           -> partial
 *     all failed (undeliverable, expired, cancelled)  -> the worst of them:
 *                                                        undeliverable > expired > cancelled
 *
 * `settled` says no delivery is waiting for a send or for its first report (none is pending or
 * accepted): a sender that waits for "delivered" stops there. `delivered` is not final (it can
 * still become displayed, or expired when the receiver drops it unshown).
 */
import type { DeliveryState, DeliveryStatus, PushState } from '../../queue/index.ts';

export type SummaryStatus = DeliveryStatus | 'partial';

const FAILED: readonly DeliveryStatus[] = ['undeliverable', 'expired', 'cancelled'];

export function summaryStatus(deliveries: readonly Pick<DeliveryState, 'status'>[]): SummaryStatus {
  const statuses = deliveries.map((d) => d.status);
  if (statuses.length === 0 || statuses.includes('pending')) return 'pending';
  if (statuses.includes('accepted')) return 'accepted';
  if (statuses.every((s) => s === 'displayed')) return 'displayed';
  if (statuses.every((s) => s === 'delivered' || s === 'displayed')) return 'delivered';
  if (statuses.some((s) => s === 'delivered' || s === 'displayed')) return 'partial';
  return FAILED.find((f) => statuses.includes(f))!;
}

/** No delivery is pending or accepted (each is delivered, displayed or final). */
export function isSettled(deliveries: readonly Pick<DeliveryState, 'status'>[]): boolean {
  return deliveries.length > 0 && deliveries.every((d) => d.status !== 'pending' && d.status !== 'accepted');
}

/** The push representation of every API answer: `{ push: PushView }`. */
export type PushView = Omit<PushState, 'contentFile'> & { status: SummaryStatus; settled: boolean };

export function pushView(state: PushState): PushView {
  // The content file's path is the server's business, not the provider's.
  const { contentFile: _path, ...rest } = state;
  return { ...rest, status: summaryStatus(state.deliveries), settled: isSettled(state.deliveries) };
}
