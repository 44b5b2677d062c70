/** Uses every entry of the installed package, with its types, as a web developer would. */
import { mount, type HostPush, type MountHandle } from 'sip-push-web';
import { ELEMENT_NAME, type SipPushReceiverElement } from 'sip-push-web/element';
import { embedFrame, type FrameHandle } from 'sip-push-web/iframe';

const log = (push: HostPush): string => `${push.appId} ${push.from} ${push.contentType} ${push.text ?? ''} ${JSON.stringify(push.json ?? null)} ${push.blob.size}`;

const element: SipPushReceiverElement | null = document.querySelector(ELEMENT_NAME);
element?.registerApp({ id: 'news.ua', accept: ['text/plain'], handler: (push) => console.log(log(push)) });
element?.addEventListener('sip-push:state', (event) => console.log(event.detail.phase));
element?.addEventListener('sip-push:push', (event) => console.log(log(event.detail)));

const mounted: MountHandle = mount(document.getElementById('mounted')!, {
  server: 'wss://sip.example.com',
  aor: 'sip:bob@example.com',
  uaprofUrl: 'https://push.example.com/uaprof.rdf',
  instance: 'mounted',
  autoStart: false,
});
mounted.registerApp({ id: 'orders.ua', accept: ['application/json'], maxBytes: 4096, handler: (push) => console.log(log(push)) });
mounted.on('state', (state) => console.log(state.phase, state.registeredApps.join(',')));
void mounted.listPushes('orders.ua', { limit: 20 }).then((pushes) => mounted.markRead(pushes.map((p) => p.id)));

const framed: FrameHandle = embedFrame(document.getElementById('framed')!, {
  frameUrl: 'https://push.example.com/embed/',
  config: { server: 'wss://sip.example.com', aor: 'sip:carol@example.com' },
  instance: 'framed',
});
void framed.registerApp({ id: 'alerts.ua', accept: ['*/*'], handler: (push) => console.log(log(push)) });
