/**
 * The inspection messages, shaped as @statelyai/inspect's WebSocket inspector sends them (`@xstate.actor`,
 * `@xstate.event`, `@xstate.snapshot` as JSON), so the hosted Stately inspector, its receivers and toyredis's
 * own live view all read the same stream. Also the check a relay applies to what its peers send.
 */

/** The @statelyai/inspect release whose message shapes these are; receivers only check it is a string. */
export const PROTOCOL_VERSION = '0.7.2';

interface Base {
  sessionId: string;
  _version: string;
  /** Milliseconds since the epoch, as a decimal string. */
  createdAt: string;
  id: null;
  rootId?: string;
}

export interface ActorMessage extends Base {
  type: '@xstate.actor';
  name: string;
  parentId?: string;
  /** The machine config as JSON (see definition.ts). */
  definition?: string;
  snapshot: unknown;
}

export interface EventMessage extends Base {
  type: '@xstate.event';
  event: { type: string; [k: string]: unknown };
  sourceId?: string;
}

export interface SnapshotMessage extends Base {
  type: '@xstate.snapshot';
  event: { type: string; [k: string]: unknown };
  snapshot: { status?: string; value?: unknown; [k: string]: unknown };
}

export type InspectionMessage = ActorMessage | EventMessage | SnapshotMessage;

/** What a relay accepts from a peer: one of the three message types, naming its actor. */
export function isInspectionMessage(x: unknown): x is InspectionMessage {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const m = x as Record<string, unknown>;
  if (typeof m.sessionId !== 'string' || m.sessionId === '') return false;
  switch (m.type) {
    case '@xstate.actor':
      return m.definition === undefined || typeof m.definition === 'string';
    case '@xstate.event':
      return isEventObject(m.event);
    case '@xstate.snapshot':
      return !!m.snapshot && typeof m.snapshot === 'object' && (m.event === undefined || isEventObject(m.event));
    default:
      return false;
  }
}

function isEventObject(e: unknown): boolean {
  return !!e && typeof e === 'object' && typeof (e as { type?: unknown }).type === 'string';
}

/** An actor is over once its snapshot says so: done (final state), stopped, or failed. */
export function isEndOfActor(m: InspectionMessage): boolean {
  if (m.type !== '@xstate.snapshot') return false;
  const status = m.snapshot.status;
  return status === 'done' || status === 'stopped' || status === 'error';
}
