import type { SwitchEvent } from '../events.js';

/**
 * Something that happens on a master switch. Each runs on its own: one failing or hanging never
 * delays another (the ZooKeeper update above all).
 */
export interface Behaviour {
  name: string;
  onSwitch(event: SwitchEvent): void | Promise<void>;
}

export function runBehaviours(behaviours: readonly Behaviour[], event: SwitchEvent, onError: (b: Behaviour, err: unknown) => void): void {
  for (const b of behaviours) {
    try {
      Promise.resolve(b.onSwitch(event)).catch((err: unknown) => onError(b, err));
    } catch (err) {
      onError(b, err);
    }
  }
}
