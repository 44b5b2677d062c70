/**
 * The owner's view of the apps registered in the other tabs of its identity (pure): the
 * registration announces the union, and the intake accepts pushes by the specs found here.
 * A tab's entry goes when it says `leave` or when its presence lock is gone (closed, crashed).
 */
import type { PushAppSpec } from '../types.ts';

export class TabDirectory {
  private readonly byTab = new Map<string, PushAppSpec[]>();

  /** Record a tab's apps; true when the set of announced IDs changed. */
  set(tabId: string, apps: readonly PushAppSpec[]): boolean {
    const before = this.idKey();
    if (apps.length === 0) this.byTab.delete(tabId);
    else this.byTab.set(tabId, [...apps]);
    return this.idKey() !== before;
  }

  /** Forget tabs; true when the set of announced IDs changed. */
  remove(tabIds: Iterable<string>): boolean {
    const before = this.idKey();
    for (const id of tabIds) this.byTab.delete(id);
    return this.idKey() !== before;
  }

  tabs(): string[] {
    return [...this.byTab.keys()];
  }

  /** The first spec per ID (case-insensitive), in the order tabs announced them. */
  get(id: string): PushAppSpec | undefined {
    const key = id.toLowerCase();
    for (const apps of this.byTab.values()) for (const app of apps) if (app.id.toLowerCase() === key) return app;
    return undefined;
  }

  specs(): PushAppSpec[] {
    const seen = new Map<string, PushAppSpec>();
    for (const apps of this.byTab.values()) for (const app of apps) if (!seen.has(app.id.toLowerCase())) seen.set(app.id.toLowerCase(), app);
    return [...seen.values()];
  }

  clear(): void {
    this.byTab.clear();
  }

  private idKey(): string {
    return this.specs()
      .map((a) => a.id.toLowerCase())
      .sort()
      .join(',');
  }
}
