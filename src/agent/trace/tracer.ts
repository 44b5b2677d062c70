/**
 * The agent's trace: what the sockets' taps call, and the AgentTrace the UI reads.
 *
 * Off the hot path: a tap is written as
 *
 *     if (trace !== null && trace.enabled) trace.sip('in', data);
 *
 * so while the trace is off a frame costs one boolean check: no decoding, no allocation. Only
 * when enabled is the frame described (frames.ts, bounded per frame) and kept in a ring of
 * TraceLimits.maxEntries.
 */
import { DEFAULT_TRACE_LIMITS, type AgentTrace, type TraceEntry, type TraceLimits } from '../types.ts';
import { describeMsrp, describeSip, type FrameData, type FrameDescription } from './frames.ts';
import { RingBuffer } from './ringBuffer.ts';

/** What the taps in the SIP and MSRP sockets see. */
export interface FrameTap {
  /** Read by the tap before anything else; false means do nothing. */
  readonly enabled: boolean;
  sip(direction: 'in' | 'out', data: FrameData): void;
  msrp(direction: 'in' | 'out', data: FrameData): void;
}

/** MSRP transaction IDs remembered to name the method a response answers. */
const MSRP_TRANSACTIONS_REMEMBERED = 256;

export interface TracerOptions {
  limits?: Partial<TraceLimits>;
  now?: () => number;
  /** False while this tab follows another (AgentTrace.ownsConnection). */
  ownsConnection?: () => boolean;
}

export class Tracer implements AgentTrace, FrameTap {
  readonly limits: TraceLimits;
  enabled = false;
  private readonly ring: RingBuffer<TraceEntry>;
  private readonly listeners = new Set<(entry: TraceEntry) => void>();
  private readonly now: () => number;
  private readonly owns: () => boolean;
  private seq = 0;
  /** MSRP transaction ID -> method, to name what a response answers. */
  private readonly msrpMethods = new Map<string, string>();

  constructor(options: TracerOptions = {}) {
    this.limits = { ...DEFAULT_TRACE_LIMITS, ...options.limits };
    this.ring = new RingBuffer(this.limits.maxEntries);
    this.now = options.now ?? Date.now;
    this.owns = options.ownsConnection ?? (() => true);
  }

  get ownsConnection(): boolean {
    return this.owns();
  }

  enable(on: boolean): void {
    this.enabled = on;
  }

  entries(): TraceEntry[] {
    return this.ring.toArray();
  }

  dropped(): number {
    return this.ring.dropped;
  }

  clear(): void {
    this.ring.clear();
    this.msrpMethods.clear();
  }

  on(listener: (entry: TraceEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  sip(direction: 'in' | 'out', data: FrameData): void {
    if (!this.enabled) return;
    this.record(direction, describeSip(data, this.limits));
  }

  msrp(direction: 'in' | 'out', data: FrameData): void {
    if (!this.enabled) return;
    const description = describeMsrp(data, this.limits);
    const transactionId = description.firstLine.split(' ')[1];
    if (transactionId !== undefined) {
      if (description.method !== undefined) {
        this.msrpMethods.set(transactionId, description.method);
        if (this.msrpMethods.size > MSRP_TRANSACTIONS_REMEMBERED) this.msrpMethods.delete(this.msrpMethods.keys().next().value!);
      } else if (description.status !== undefined) {
        const method = this.msrpMethods.get(transactionId);
        if (method !== undefined) description.method = method;
      }
    }
    this.record(direction, description);
  }

  private record(direction: 'in' | 'out', description: FrameDescription): void {
    const entry: TraceEntry = { seq: ++this.seq, time: this.now(), direction, ...description };
    this.ring.push(entry);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        console.error('SIP Push: a trace listener failed', error);
      }
    }
  }
}
