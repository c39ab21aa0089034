/**
 * A machine's definition as the Stately inspector receives it in `@xstate.actor`: its config as JSON, functions
 * written as `{ type: name }` (what @statelyai/inspect sends). Computed once per machine config: every actor of
 * a machine shares it, even when the machine was `.provide()`d its implementations.
 */
import { sanitize } from './sanitize';

const cache = new WeakMap<object, string>();
const WHOLE = { depth: 64, stringChars: Infinity, items: Infinity };

export function definitionJson(config: object): string {
  let json = cache.get(config);
  if (json === undefined) {
    json = JSON.stringify(sanitize(config, WHOLE));
    cache.set(config, json);
  }
  return json;
}
