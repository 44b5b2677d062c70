/**
 * The targets of issue 12 that `--check` holds the summary to. A figure that was not measured
 * is a missed target, never a skipped one.
 */
import type { Target } from '../check/target.ts';
import type { FanoutSummary } from './summary.ts';

/** Service pushes/s at least this share of sipp's, through the same core in the same run. */
export const TARGET_RATIO_TO_SIPP = 0.8;

export function fanoutTargets(summary: FanoutSummary): Target[] {
  const { sipp, service } = summary.paths;
  const failed = (sipp?.failed ?? 0) + (service?.failed ?? 0);
  return [
    { name: 'every push delivered (sipp and service, every round)', ok: failed === 0, value: `${failed} not delivered` },
    summary.ratio === undefined || !sipp || !service
      ? { name: `service >= ${TARGET_RATIO_TO_SIPP * 100}% of sipp's pushes/s`, ok: false, value: `not measured (${service ? 'sipp' : 'service'} missing)` }
      : {
          name: `service >= ${TARGET_RATIO_TO_SIPP * 100}% of sipp's pushes/s`,
          ok: summary.ratio >= TARGET_RATIO_TO_SIPP,
          value: `${(summary.ratio * 100).toFixed(0)}% (${service.rate.toFixed(0)} vs ${sipp.rate.toFixed(0)}/s)`,
        },
  ];
}
