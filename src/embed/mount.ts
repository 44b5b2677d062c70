/**
 * mount(element, options): the receiver and its widget inside any element of the host page,
 * in a shadow root of its own (the host's styles and the widget's never meet).
 */
import { createReceiver } from './receiver.ts';
import type { EmbedOptions, MountHandle } from './types.ts';
import { renderWidget } from './widget/render.tsx';

/** Marks the element mount() creates inside the host's element (it carries the shadow root). */
export const MOUNT_ATTRIBUTE = 'data-sip-push-receiver';

export function mount(element: Element, options: EmbedOptions): MountHandle {
  const receiver = createReceiver(options);
  const host = document.createElement('div');
  host.setAttribute(MOUNT_ATTRIBUTE, receiver.instance);
  element.append(host);
  const widget = renderWidget(host.attachShadow({ mode: 'open' }), receiver.agent);
  if (options.autoStart !== false) {
    receiver.start().catch((error: unknown) => console.error('sip-push: the receiver failed to start', error));
  }
  let unmounted: Promise<void> | null = null;
  const { emitter: _emitter, ...api } = receiver;
  return {
    ...api,
    registerApp(app) {
      const unregister = receiver.registerApp(app);
      widget.store.syncApps();
      return () => {
        unregister();
        widget.store.syncApps();
      };
    },
    unmount() {
      unmounted ??= receiver.stop().finally(() => {
        widget.dispose();
        host.remove();
      });
      return unmounted;
    },
  };
}
