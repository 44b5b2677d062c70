/** Delivery reports arriving at the PSA service (issue 12 item 5): IMDN MESSAGEs to queue reports. */
export {
  decideImdn,
  expectedAorOf,
  handleImdn,
  imdnResponse,
  readImdn,
  type ImdnDecision,
  type ImdnHandled,
  type ImdnRejection,
  type ImdnReport,
  type QueueReport,
  type QueueReportStatus,
} from './imdnIntake.ts';
