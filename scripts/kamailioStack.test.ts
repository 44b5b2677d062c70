import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../deploy/kamailio/launch.ts';
import { kamailioStack, senderFlags } from './kamailioStack.ts';

describe('npm start -- --core kamailio: settings shared with npm run core:kamailio', () => {
  it('with no environment: ws://127.0.0.1:8080, receiver alice, push sender psa', () => {
    const stack = kamailioStack(optionsFromEnv({}, []));
    expect(stack).toEqual({
      wsUrl: 'ws://127.0.0.1:8080',
      domain: 'sip-push.test',
      receiver: { aor: 'sip:alice@sip-push.test', authUser: 'alice', password: 'alice-secret' },
      sender: { aor: 'sip:psa@sip-push.test', authUser: 'psa', password: 'psa-secret' },
    });
    expect(senderFlags(stack)).toBe('--server ws://127.0.0.1:8080 --from sip:psa@sip-push.test --auth-user psa --password psa-secret');
  });

  it('follows the KAMAILIO_* variables the launcher reads', () => {
    const env = { KAMAILIO_HOST: '10.0.0.5', KAMAILIO_WS_PORT: '9090', KAMAILIO_DOMAIN: 'push.example', KAMAILIO_USERS: 'pusher:p1,zoe:z1', KAMAILIO_PUSH_SENDERS: 'pusher@push.example' };
    const stack = kamailioStack(optionsFromEnv(env, []));
    expect(stack.wsUrl).toBe('ws://10.0.0.5:9090');
    expect(stack.receiver).toEqual({ aor: 'sip:zoe@push.example', authUser: 'zoe', password: 'z1' });
    expect(stack.sender).toEqual({ aor: 'sip:pusher@push.example', authUser: 'pusher', password: 'p1' });
  });

  it('says what is missing when no user can send or receive', () => {
    expect(() => kamailioStack(optionsFromEnv({ KAMAILIO_USERS: 'alice:a', KAMAILIO_PUSH_SENDERS: 'psa' }, []))).toThrow(/no provisioned user is an allowed push sender/);
    expect(() => kamailioStack(optionsFromEnv({ KAMAILIO_USERS: 'psa:p', KAMAILIO_PUSH_SENDERS: 'psa' }, []))).toThrow(/no provisioned user to receive pushes/);
  });
});
