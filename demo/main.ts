/** The demo host page: the three ways in, each with the host's own `news.ua` handler. */
import { mount, type AgentConfig, type HostPush } from '../src/embed/index.ts';
import '../src/embed/define.ts';
import { embedFrame } from '../src/embed/iframe.ts';

const raw = new URLSearchParams(location.search).get('config');
const config: AgentConfig = raw ? (JSON.parse(raw) as AgentConfig) : { server: 'ws://127.0.0.1:8066', aor: 'sip:alice@localhost' };
const log = document.getElementById('log')!;
const show = (way: string) => (push: HostPush) => {
  log.textContent = `${way}: ${push.from} ${push.contentType} ${push.text ?? `${push.blob.size} bytes`}\n${log.textContent ?? ''}`;
};
const news = { id: 'news.ua', accept: ['text/plain', 'application/json'] };

const element = document.querySelector('sip-push-receiver')!;
element.registerApp({ ...news, handler: show('element') });
if (config.password) element.password = config.password;
if (config.authUser) element.authUser = config.authUser;
element.server = config.server;
element.aor = config.aor;

mount(document.getElementById('mounted')!, { ...config, instance: 'demo-mount' }).registerApp({ ...news, handler: show('mount') });

const frame = embedFrame(document.getElementById('framed')!, { frameUrl: '/src/embed/frame/index.html', config, instance: 'demo-frame' });
void frame.registerApp({ ...news, handler: show('iframe') });
