/**
 * The lifecycle of one client connection, after the modes Redis keeps as client flags (CLIENT_MULTI, CLIENT_PUBSUB,
 * CLIENT_MONITOR, CLIENT_BLOCKED, CLIENT_SLAVE, CLIENT_CLOSE_AFTER_REPLY). It sees events only when the mode changes,
 * never one per command: dispatch reads the current state instead (one event per command would halve throughput).
 * What the connection must do when the mode changes leaves the machine as emitted events.
 */
import { assign, emit, setup } from 'xstate';

export type ClientEvent =
  | { type: 'command.multi' }
  | { type: 'command.exec' }
  | { type: 'command.discard' }
  | { type: 'command.reset' }
  | { type: 'command.subscribe' }
  | { type: 'command.unsubscribedAll' }
  | { type: 'command.monitor' }
  | { type: 'client.block'; reason: string }
  | { type: 'client.unblock' }
  | { type: 'command.psync' }
  | { type: 'client.close'; reason: 'quit' | 'protocolError' | 'killed' | 'timeout' | 'outputLimit' | 'shutdown' }
  | { type: 'socket.closed' };

export type ClientEmitted =
  | { type: 'transactionDiscarded' }
  | { type: 'closeAfterReply'; reason: string }
  | { type: 'released' }
  // RESET (clearClientConnectionState): subscriptions and MONITOR end without a notification
  | { type: 'connectionReset' };

export interface ClientInput {
  id: number;
  addr: string;
}

/**
 * Pub/sub and MONITOR outlive the other modes: a RESP3 subscriber may run MULTI or block, a monitor may run MULTI,
 * and when that ends the client goes back to the mode it came from. The machine remembers both here.
 */
export interface ClientContext extends ClientInput {
  subscribed: boolean;
  monitor: boolean;
  /** Parked while queueing a transaction (CLIENT PAUSE holds a write even inside MULTI): resume in multi. */
  blockedInMulti: boolean;
}

export const clientMachine = setup({
  types: {
    context: {} as ClientContext,
    input: {} as ClientInput,
    events: {} as ClientEvent,
    emitted: {} as ClientEmitted,
  },
  actions: {
    discardTransaction: emit({ type: 'transactionDiscarded' } as const),
    closeAfterReply: emit(({ event }) => ({
      type: 'closeAfterReply' as const,
      reason: event.type === 'client.close' ? event.reason : 'socket closed',
    })),
    releaseClient: emit({ type: 'released' } as const),
    noteSubscribed: assign({ subscribed: true }),
    noteUnsubscribed: assign({ subscribed: false }),
    noteMonitor: assign({ monitor: true }),
    noteBlockedInMulti: assign({ blockedInMulti: true }),
    forgetBlockedInMulti: assign({ blockedInMulti: false }),
    forgetModes: assign({ subscribed: false, monitor: false }),
    announceReset: emit({ type: 'connectionReset' } as const),
  },
  guards: {
    isMonitor: ({ context }) => context.monitor,
    wasInMulti: ({ context }) => context.blockedInMulti,
    isSubscribed: ({ context }) => context.subscribed,
  },
}).createMachine({
  id: 'client',
  context: ({ input }) => ({ ...input, subscribed: false, monitor: false, blockedInMulti: false }),
  initial: 'normal',
  on: {
    'client.close': '.closing',
    'socket.closed': '.closed',
    // a SUBSCRIBE run by EXEC, or by a monitor, changes what the client returns to, not where it is now
    'command.subscribe': { actions: 'noteSubscribed' },
    'command.unsubscribedAll': { actions: 'noteUnsubscribed' },
  },
  states: {
    normal: {
      description: 'Commands run as they arrive',
      on: {
        'command.multi': 'multi',
        'command.subscribe': { target: 'subscribed', actions: 'noteSubscribed' },
        'command.monitor': { target: 'monitor', actions: 'noteMonitor' },
        'client.block': 'blocked',
        'command.psync': 'replica',
        'command.reset': { actions: ['forgetModes', 'announceReset'] },
      },
    },
    multi: {
      description: 'MULTI: commands are queued until EXEC or DISCARD (CLIENT_MULTI)',
      on: {
        // the transaction ends where the client rests: monitor, else subscribed, else normal
        'command.exec': [
          { guard: 'isMonitor', target: 'monitor' },
          { guard: 'isSubscribed', target: 'subscribed' },
          { target: 'normal' },
        ],
        'command.discard': [
          { guard: 'isMonitor', target: 'monitor', actions: 'discardTransaction' },
          { guard: 'isSubscribed', target: 'subscribed', actions: 'discardTransaction' },
          { target: 'normal', actions: 'discardTransaction' },
        ],
        'command.reset': { target: 'normal', actions: ['discardTransaction', 'forgetModes', 'announceReset'] },
        // only CLIENT PAUSE parks a client here: blocking commands inside MULTI answer as if timed out
        'client.block': { target: 'blocked', actions: 'noteBlockedInMulti' },
      },
    },
    subscribed: {
      description: 'Subscribed to channels or patterns (CLIENT_PUBSUB): in RESP2 only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET',
      on: {
        'command.unsubscribedAll': { target: 'normal', actions: 'noteUnsubscribed' },
        'command.reset': { target: 'normal', actions: ['forgetModes', 'announceReset'] },
        // RESP3 lifts the restriction: a subscriber may run anything, and comes back here afterwards
        'command.multi': 'multi',
        'command.monitor': { target: 'monitor', actions: 'noteMonitor' },
        'client.block': 'blocked',
      },
    },
    monitor: {
      description: 'MONITOR: every command the server runs is copied to this client (CLIENT_MONITOR) until RESET or close',
      on: {
        'command.reset': { target: 'normal', actions: ['forgetModes', 'announceReset'] },
        'command.multi': 'multi',
        'client.block': 'blocked',
      },
    },
    blocked: {
      description: 'Parked by a blocking command (WAIT, BLPOP…); input waits until it is served or times out',
      on: {
        'client.unblock': [
          { guard: 'wasInMulti', target: 'multi', actions: 'forgetBlockedInMulti' },
          { guard: 'isMonitor', target: 'monitor' },
          { guard: 'isSubscribed', target: 'subscribed' },
          { target: 'normal' },
        ],
      },
    },
    replica: {
      description: 'This connection is a replica: it was handed to the master side replication after PSYNC',
    },
    closing: {
      description: 'Pending replies are written, then the connection is closed (CLIENT_CLOSE_AFTER_REPLY)',
      entry: 'closeAfterReply',
      on: { 'client.close': {} },
    },
    closed: {
      type: 'final',
      description: 'The socket is gone; the client is freed',
      entry: 'releaseClient',
    },
  },
});

export type ClientMode = 'normal' | 'multi' | 'subscribed' | 'monitor' | 'blocked' | 'replica' | 'closing' | 'closed';
