/**
 * A Vite plugin for the `notap` build of bench/push-throughput: the web client with the trace
 * taps removed from the SIP and MSRP sockets, as the code was before the trace existed. It is
 * the baseline of the claim "the trace costs nothing measurable while its panel is closed"
 * (issue 11 item 3): `ours` (taps in, trace off) against `notap` in the same run.
 *
 * A tap is two statements (src/agent/trace/tracer.ts):
 *     const trace = this.trace;
 *     if (trace !== null && trace.enabled) trace.sip('in', data);
 * The plugin fails the build unless it removes exactly the taps it expects, so a moved or
 * renamed tap cannot silently leave the baseline with one.
 */
import type { Plugin } from 'vite';

/** Tapped modules and their taps (one in, one out each). */
export const TAPPED_MODULES: Readonly<Record<string, number>> = {
  'src/agent/sip/interceptingSocket.ts': 2,
  'src/agent/msrp/session.ts': 2,
};

const TAP = /^[ \t]*const trace = this\.trace;\r?\n[ \t]*if \(trace !== null && trace\.enabled\) trace\.(?:sip|msrp)\([^\n]*\);\r?\n/gm;

/** The source without its taps, and how many were removed. */
export function stripTaps(code: string): { code: string; removed: number } {
  let removed = 0;
  const stripped = code.replace(TAP, () => {
    removed++;
    return '';
  });
  return { code: stripped, removed };
}

export function stripTraceTaps(): Plugin {
  return {
    name: 'bench-strip-trace-taps',
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]!.replace(/\\/g, '/');
      const module = Object.keys(TAPPED_MODULES).find((m) => path.endsWith(`/${m}`));
      if (module === undefined) return null;
      const { code: stripped, removed } = stripTaps(code);
      if (removed !== TAPPED_MODULES[module]) this.error(`stripTraceTaps: expected ${TAPPED_MODULES[module]} trace taps in ${module}, found ${removed}`);
      return { code: stripped, map: null };
    },
  };
}
