/**
 * What serviceCodec.ts loads on first need: the SI/SL codec, the link card's view model and the
 * rule for which SIs a later one replaced, so a page that never receives a Service Indication
 * (the widget's budget counts every byte) carries none of them.
 */
export * from '../../../protocol/si/index.ts';
export { linkCardOf } from './linkCard.ts';
export { withoutSuperseded } from '../inbox/indications.ts';
