/** What every kind of soak traffic is given and gives back. */
import type { SeededRandom } from '../random.ts';

/** Where the core listens, all on 127.0.0.1. */
export interface CoreAddress {
  wsUrl: string;
  wsPort: number;
  /** TCP and UDP. */
  sipPort: number;
  domain: string;
}

export interface TrafficContext {
  core: CoreAddress;
  random: SeededRandom;
  /** Aborted when the soak ends: loops stop starting new work. */
  signal: AbortSignal;
}

/** One kind of traffic, running until stop(). */
export interface Traffic {
  name: string;
  /** What happened, for the report (outcome counts). */
  report(): string;
  stop(): Promise<void>;
  /** What the core did wrong under this traffic (each fails the soak), empty when nothing. */
  problems(): string[];
}
