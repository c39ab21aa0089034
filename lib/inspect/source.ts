/**
 * The `inspect` callback given to every actor the server creates. It only queues (bounded: past the limit the
 * oldest records are dropped and counted) and serialises on a later tick, a batch at a time, so inspection never
 * blocks a command nor grows without bound. Messages are shaped as createWebSocketInspector shapes them, with
 * payloads sanitised, and session ids prefixed with the server's tag so several servers can share one relay.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { definitionJson } from './definition';
import { PROTOCOL_VERSION, type InspectionMessage } from './messages';
import { sanitize } from './sanitize';

export interface InspectionSourceOptions {
  /** Where each message goes: the relay in this process, or a link to another one. */
  publish: (json: string, message: InspectionMessage) => void;
  /** Prefix of session ids, unique per server (its port); read when messages are built. */
  tag: () => string;
  /** Records waiting to be serialised; more than this and the oldest are dropped. */
  maxPending?: number;
  /** Records serialised per tick, so a burst is spread over several turns of the event loop. */
  batch?: number;
}

export interface InspectionSource {
  inspect: (ev: InspectionEvent) => void;
  /** Records dropped because the queue was full. */
  readonly dropped: number;
  /** Records that could not be serialised. */
  readonly failed: number;
  readonly pending: number;
  /** Serialise and publish everything queued now (tests, shutdown). */
  flush(): void;
}

interface PendingRecord {
  ev: InspectionEvent;
  at: number;
}

type KnownType = '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
const FORWARDED = new Set<string>(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);

export function createInspectionSource(options: InspectionSourceOptions): InspectionSource {
  const maxPending = options.maxPending ?? 10_000;
  const batch = options.batch ?? 500;
  // A ring: `head` is the oldest record; pushing onto a full ring overwrites it.
  const ring: (PendingRecord | undefined)[] = new Array(maxPending);
  let head = 0;
  let size = 0;
  let dropped = 0;
  let failed = 0;
  let scheduled = false;

  const drain = (limit: number) => {
    scheduled = false;
    const tag = options.tag();
    for (let n = 0; n < limit && size > 0; n++) {
      const rec = ring[head]!;
      ring[head] = undefined;
      head = (head + 1) % maxPending;
      size--;
      try {
        const message = toMessage(rec, tag);
        if (message) options.publish(JSON.stringify(message), message);
      } catch {
        failed++; // a value that would not serialise costs its message, never the server
      }
    }
    if (size > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => drain(batch)).unref();
  };

  return {
    inspect(ev) {
      if (!FORWARDED.has(ev.type)) return; // microsteps and actions: the Stately inspector does not use them either
      if (size === maxPending) {
        head = (head + 1) % maxPending;
        size--;
        dropped++;
      }
      ring[(head + size) % maxPending] = { ev, at: Date.now() };
      size++;
      schedule();
    },
    get dropped() {
      return dropped;
    },
    get failed() {
      return failed;
    },
    get pending() {
      return size;
    },
    flush() {
      drain(Infinity);
    },
  };
}

function toMessage({ ev, at }: PendingRecord, tag: string): InspectionMessage | null {
  const sid = (ref: { sessionId: string } | undefined) => (ref ? `${tag}/${ref.sessionId}` : undefined);
  const base = {
    sessionId: sid(ev.actorRef)!,
    _version: PROTOCOL_VERSION,
    createdAt: String(at),
    id: null,
    rootId: `${tag}/${ev.rootId}`,
  };
  switch (ev.type as KnownType) {
    case '@xstate.actor': {
      const ref = ev.actorRef as AnyActorRef & { logic?: { config?: { id?: string } }; _parent?: AnyActorRef };
      const config = ref.logic?.config;
      const name = ref.id === ref.sessionId && config?.id ? config.id : ref.id;
      return {
        type: '@xstate.actor',
        ...base,
        name,
        parentId: sid(ref._parent),
        definition: config && typeof config === 'object' ? definitionJson(config) : JSON.stringify({ id: name }),
        snapshot: sanitize(ref.getSnapshot()) ?? { status: 'active' },
      };
    }
    case '@xstate.event': {
      const e = ev as Extract<InspectionEvent, { type: '@xstate.event' }>;
      return { type: '@xstate.event', ...base, event: sanitize(e.event) as { type: string }, sourceId: sid(e.sourceRef) };
    }
    case '@xstate.snapshot': {
      const e = ev as Extract<InspectionEvent, { type: '@xstate.snapshot' }>;
      return {
        type: '@xstate.snapshot',
        ...base,
        event: sanitize(e.event) as { type: string },
        snapshot: sanitize(e.snapshot) as { status: string },
      };
    }
  }
  return null;
}
