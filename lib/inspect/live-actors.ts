/**
 * The actors alive right now, as inspection messages: each one's `@xstate.actor` and latest `@xstate.snapshot`.
 * A viewer that connects late gets these before the replay of recent messages, so it sees every live actor in
 * its current state however long ago it started. Definitions are shared between actors of one machine.
 */
import { isEndOfActor, type ActorMessage, type InspectionMessage } from './messages';

interface Entry {
  actor: Omit<ActorMessage, 'definition'>;
  definition?: string;
  snapshot?: string;
}

export class LiveActors {
  private readonly actors = new Map<string, Entry>();
  private readonly definitions = new Map<string, string>();

  /** Beyond `maxActors`, new actors are not remembered for late viewers (they are still relayed). */
  constructor(private readonly maxActors = 20_000, private readonly maxDefinitions = 64) {}

  get size(): number {
    return this.actors.size;
  }

  has(sessionId: string): boolean {
    return this.actors.has(sessionId);
  }

  note(message: InspectionMessage, json: string): void {
    if (message.type === '@xstate.actor') {
      if (this.actors.size >= this.maxActors && !this.actors.has(message.sessionId)) return;
      const { definition, ...actor } = message;
      this.actors.set(message.sessionId, { actor, definition: definition === undefined ? undefined : this.intern(definition) });
    } else if (message.type === '@xstate.snapshot') {
      const entry = this.actors.get(message.sessionId);
      if (!entry) return;
      if (isEndOfActor(message)) this.actors.delete(message.sessionId);
      else entry.snapshot = json;
    }
  }

  forget(sessionId: string): void {
    this.actors.delete(sessionId);
  }

  /** Messages that recreate every live actor in its current state. */
  replay(): string[] {
    const out: string[] = [];
    for (const { actor, definition, snapshot } of this.actors.values()) {
      out.push(JSON.stringify(definition === undefined ? actor : { ...actor, definition }));
      if (snapshot) out.push(snapshot);
    }
    return out;
  }

  /** One copy per distinct definition, however many actors carry it. */
  private intern(definition: string): string {
    const known = this.definitions.get(definition);
    if (known !== undefined) return known;
    if (this.definitions.size < this.maxDefinitions) this.definitions.set(definition, definition);
    return definition;
  }
}
