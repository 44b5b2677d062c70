/**
 * Baseline: the least a browser can do per push. A WebSocket that registers by hand and
 * answers every MESSAGE 200 by copying the response headers with string operations; nothing
 * is parsed beyond line splits and nothing is stored.
 */
import { benchParams, benchWindow, setStatus } from './params.ts';

const { server, aor, app } = benchParams();
const w = benchWindow();
w.__benchReceived = 0;
const token = Math.random().toString(36).slice(2, 10);
const ws = new WebSocket(server, 'sip');

ws.onopen = () => {
  const host = new URL(server).host;
  ws.send(
    `REGISTER sip:${aor.split('@')[1]} SIP/2.0\r\n` +
      `Via: SIP/2.0/WS ${token}.invalid;branch=z9hG4bK${token}\r\n` +
      `Max-Forwards: 70\r\nTo: <${aor}>\r\nFrom: <${aor}>;tag=${token}\r\nCall-ID: ${token}@raw\r\nCSeq: 1 REGISTER\r\n` +
      `Contact: <sip:${token}@${token}.invalid;transport=ws>;+g.oma.pusheventapp="${app}";expires=600\r\n` +
      `User-Agent: raw-bench (${host})\r\nContent-Length: 0\r\n\r\n`,
  );
};

ws.onmessage = (event) => {
  const data = event.data as string;
  if (data.startsWith('SIP/2.0 200') && data.includes('REGISTER')) {
    w.__benchReady = true;
    setStatus('registered');
    return;
  }
  if (!data.startsWith('MESSAGE ')) return;
  const end = data.indexOf('\r\n\r\n');
  const lines = data.slice(0, end).split('\r\n');
  let response = 'SIP/2.0 200 OK\r\n';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (name === 'via' || name === 'v' || name === 'from' || name === 'f' || name === 'call-id' || name === 'i' || name === 'cseq') response += line + '\r\n';
    else if (name === 'to' || name === 't') response += `${line};tag=${token}\r\n`;
  }
  ws.send(response + 'Content-Length: 0\r\n\r\n');
  w.__benchReceived = (w.__benchReceived ?? 0) + 1;
};
