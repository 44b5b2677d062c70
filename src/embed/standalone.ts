/**
 * The self-contained widget bundle (dist-lib/widget/sip-push-receiver.js): everything the
 * main entry exports, React and JsSIP included, and `<sip-push-receiver>` defined on load.
 * For pages without a bundler: `<script type="module" src=".../sip-push-receiver.js">`.
 */
import { defineSipPushReceiver } from './element.ts';

defineSipPushReceiver();

export * from './index.ts';
