/**
 * The full-page app's controller: loads the configuration, runs a session, and applies saved
 * settings by restarting it. Its state is a small vanilla store the App component reads.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AgentConfig } from '../../agent/types.ts';
import { loadConfig, type ConfigLoad, type ConfigSources } from '../config/load.ts';
import { startSession, type CreateAgent, type Session } from './session.ts';

export interface ShellState {
  /** null while loading. */
  load: ConfigLoad | null;
  session: Session | null;
  settingsOpen: boolean;
  saveError?: string;
}

export interface ShellDeps {
  sources: ConfigSources;
  origin: string;
  createAgent: CreateAgent;
  saveSettings: (config: AgentConfig) => void;
  start?: typeof startSession;
  /** How long a restart waits for the previous agent to unregister. */
  stopTimeoutMs?: number;
}

export interface Shell {
  readonly store: StoreApi<ShellState>;
  readonly origin: string;
  boot(): Promise<void>;
  openSettings(open: boolean): void;
  applySettings(config: AgentConfig): Promise<void>;
}

export function createShell(deps: ShellDeps): Shell {
  const store = createStore<ShellState>()(() => ({ load: null, session: null, settingsOpen: false }));
  const start = deps.start ?? startSession;

  const run = (config: AgentConfig): void => {
    try {
      store.setState({ session: start(config, deps.createAgent) });
    } catch (error) {
      store.setState({ settingsOpen: true, saveError: `Could not start the agent: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  return {
    store,
    origin: deps.origin,
    async boot() {
      const load = await loadConfig(deps.sources, deps.origin);
      store.setState({ load, settingsOpen: load.status !== 'ok' });
      if (load.status !== 'ok') return;
      // A link's configuration (credentials from `npm start`) becomes the saved settings, so a
      // reload, which no longer has the fragment, starts the same way.
      if (load.source === 'link') {
        try {
          deps.saveSettings(load.config);
        } catch (error) {
          store.setState({ saveError: `The configuration in the link could not be saved: ${error instanceof Error ? error.message : String(error)}` });
        }
      }
      run(load.config);
    },
    openSettings(open) {
      store.setState({ settingsOpen: open, saveError: undefined });
    },
    async applySettings(config) {
      try {
        deps.saveSettings(config);
      } catch (error) {
        store.setState({ saveError: error instanceof Error ? error.message : String(error) });
        return;
      }
      const previous = store.getState().session;
      store.setState({ load: { status: 'ok', source: 'saved', config }, session: null, settingsOpen: false, saveError: undefined });
      if (previous) {
        // Bounded: a core that no longer answers must not keep the new settings from applying.
        const stopped = previous.stop().catch((error: unknown) => console.error('stopping the previous agent failed', error));
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, deps.stopTimeoutMs ?? 3000))]);
      }
      run(config);
    },
  };
}
