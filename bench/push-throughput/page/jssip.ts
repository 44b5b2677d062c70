/**
 * Baseline: a bare JsSIP page, as most SIP web clients are built. JsSIP answers each MESSAGE
 * 200 itself once the newMessage handler returns; nothing is stored.
 */
import { UA, WebSocketInterface, debug } from 'jssip';
import { benchParams, benchWindow, setStatus } from './params.ts';

const { server, aor, app } = benchParams();
const w = benchWindow();
w.__benchReceived = 0;
debug.disable();
const ua = new UA({ sockets: [new WebSocketInterface(server)], uri: aor, register: true, register_expires: 600, session_timers: false });
ua.registrator().setExtraContactParams({ '+g.oma.pusheventapp': `"${app}"` });
ua.on('registered', () => {
  w.__benchReady = true;
  setStatus('registered');
});
ua.on('newMessage', () => {
  w.__benchReceived = (w.__benchReceived ?? 0) + 1;
});
ua.start();
