/**
 * The lifecycle of one client connection, after the modes Redis keeps as client flags (CLIENT_MULTI,
 * CLIENT_BLOCKED, CLIENT_SLAVE, CLIENT_CLOSE_AFTER_REPLY). It sees events only when the mode changes, never one
 * per command: dispatch reads the current state instead (one event per command would halve throughput).
 * What the connection must do when the mode changes leaves the machine as emitted events.
 */
import { emit, setup } from 'xstate';

export type ClientEvent =
  | { type: 'command.multi' }
  | { type: 'command.exec' }
  | { type: 'command.discard' }
  | { type: 'command.reset' }
  | { type: 'command.subscribe' }
  | { type: 'command.unsubscribedAll' }
  | { type: 'client.block'; reason: string }
  | { type: 'client.unblock' }
  | { type: 'command.psync' }
  | { type: 'client.close'; reason: 'quit' | 'protocolError' | 'killed' | 'timeout' | 'outputLimit' | 'shutdown' }
  | { type: 'socket.closed' };

export type ClientEmitted =
  | { type: 'transactionDiscarded' }
  | { type: 'closeAfterReply'; reason: string }
  | { type: 'released' };

export interface ClientInput {
  id: number;
  addr: string;
}

export const clientMachine = setup({
  types: {
    context: {} as ClientInput,
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
  },
}).createMachine({
  id: 'client',
  context: ({ input }) => input,
  initial: 'normal',
  on: {
    'client.close': '.closing',
    'socket.closed': '.closed',
  },
  states: {
    normal: {
      description: 'Commands run as they arrive',
      on: {
        'command.multi': 'multi',
        'command.subscribe': 'subscribed',
        'client.block': 'blocked',
        'command.psync': 'replica',
      },
    },
    multi: {
      description: 'MULTI: commands are queued until EXEC or DISCARD (CLIENT_MULTI)',
      on: {
        'command.exec': 'normal',
        'command.discard': { target: 'normal', actions: 'discardTransaction' },
        'command.reset': { target: 'normal', actions: 'discardTransaction' },
      },
    },
    subscribed: {
      description: 'Subscribed to channels: in RESP2 only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET',
      on: {
        'command.unsubscribedAll': 'normal',
        'command.reset': 'normal',
      },
    },
    blocked: {
      description: 'Parked by a blocking command (WAIT, BLPOP…); input waits until it is served or times out',
      on: { 'client.unblock': 'normal' },
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

export type ClientMode = 'normal' | 'multi' | 'subscribed' | 'blocked' | 'replica' | 'closing' | 'closed';
