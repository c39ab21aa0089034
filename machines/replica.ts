/**
 * Replica side: the link to our master, one actor per server while it is a replica. State names follow
 * repl_state in server.h (REPL_STATE_CONNECT … REPL_STATE_CONNECTED): connect → connecting → handshake
 * (PING, [AUTH], REPLCONF listening-port, REPLCONF capa, PSYNC) → transfer → connected. The masterLink actor owns
 * the socket and the framing (replies, then the RDB payload, then the command stream); this machine owns what
 * each step means. Leaving `linked` stops the link, which closes the socket.
 */
import { assign, emit, fromCallback, sendTo, setup } from 'xstate';
import type { Reply } from '../lib/protocol/reply';

export interface MasterAddress {
  host: string;
  port: number;
}

export interface ReplicaInput {
  master: MasterAddress;
  /** Our listening port, announced with REPLCONF listening-port. */
  listeningPort: number;
  /** masterauth / masteruser, when set. */
  auth?: { user?: string; password: string };
  /** What to ask PSYNC for: the cached master's id and our offset + 1, or a full resync ('?', -1). */
  psync: () => { replid: string; offset: number };
  replTimeoutMs: number;
}

export interface ReplicaContext extends ReplicaInput {
  /** Why the last link ended, for logs and INFO. */
  lastError: string;
  attempts: number;
}

/** What the link reports. Commands arrive in batches, one event per TCP read, never one per command. */
export type LinkEvent =
  | { type: 'link.connected' }
  | { type: 'link.reply'; reply: Reply }
  | { type: 'link.fullresync'; replid: string; offset: number }
  | { type: 'link.continue'; replid: string | null }
  | { type: 'link.rdbLoaded'; keys: number }
  | { type: 'link.rdbFailed'; error: string }
  | { type: 'link.closed'; reason: string };

export type ReplicaEvent = LinkEvent | { type: 'replica.stop' };

/** What the machine asks the link to do. */
export type LinkCommand =
  | { type: 'send'; argv: string[] }
  | { type: 'expectPsyncReply' }; // the next reply line is +FULLRESYNC / +CONTINUE / an error

export type ReplicaEmitted =
  | { type: 'fullresync'; replid: string; offset: number }
  | { type: 'continued'; replid: string | null }
  | { type: 'synced'; keys: number }
  | { type: 'linkDown'; reason: string };

const isOkReply = (r: Reply) => r.kind === 'simple';
const errorText = (r: Reply) => (r.kind === 'error' ? r.text : r.kind === 'simple' ? r.text : JSON.stringify(r));

export const replicaMachine = setup({
  types: {
    context: {} as ReplicaContext,
    input: {} as ReplicaInput,
    events: {} as ReplicaEvent,
    emitted: {} as ReplicaEmitted,
    children: {} as { link: 'masterLink' },
  },
  actors: {
    masterLink: fromCallback<LinkCommand, { master: MasterAddress }, LinkEvent>(() => {
      throw new Error('masterLink must be provided');
    }),
  },
  actions: {
    sendPing: sendTo('link', { type: 'send', argv: ['PING'] } satisfies LinkCommand),
    sendAuth: sendTo('link', ({ context }) => ({
      type: 'send' as const,
      argv: context.auth?.user ? ['AUTH', context.auth.user, context.auth.password] : ['AUTH', context.auth!.password],
    })),
    sendReplconfPort: sendTo('link', ({ context }) => ({
      type: 'send' as const,
      argv: ['REPLCONF', 'listening-port', String(context.listeningPort)],
    })),
    sendReplconfCapa: sendTo('link', { type: 'send', argv: ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'] } satisfies LinkCommand),
    expectPsyncReply: sendTo('link', { type: 'expectPsyncReply' } satisfies LinkCommand),
    sendPsync: sendTo('link', ({ context }) => {
      const { replid, offset } = context.psync();
      return { type: 'send' as const, argv: ['PSYNC', replid, String(offset)] };
    }),
    recordError: assign({
      lastError: ({ event }) =>
        event.type === 'link.reply' ? `unexpected reply: ${errorText(event.reply)}` :
        event.type === 'link.closed' ? event.reason :
        event.type === 'link.rdbFailed' ? `RDB load failed: ${event.error}` :
        'timeout',
    }),
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    announceFullresync: emit(({ event }) => {
      const e = event as Extract<LinkEvent, { type: 'link.fullresync' }>;
      return { type: 'fullresync' as const, replid: e.replid, offset: e.offset };
    }),
    announceContinue: emit(({ event }) => ({
      type: 'continued' as const,
      replid: (event as Extract<LinkEvent, { type: 'link.continue' }>).replid,
    })),
    announceSynced: emit(({ event }) => ({ type: 'synced' as const, keys: (event as Extract<LinkEvent, { type: 'link.rdbLoaded' }>).keys })),
    announceLinkDown: emit(({ context }) => ({ type: 'linkDown' as const, reason: context.lastError })),
  },
  guards: {
    isOk: ({ event }) => event.type === 'link.reply' && isOkReply(event.reply),
    /** A PING may be refused for lack of AUTH; that is expected when we have a password to send. */
    isPongOrAuthRequired: ({ event, context }) =>
      event.type === 'link.reply' &&
      (isOkReply(event.reply) || (!!context.auth && event.reply.kind === 'error' && /^(NOAUTH|NOPERM|ERR operation not permitted)/.test(event.reply.text))),
    hasAuth: ({ context }) => !!context.auth,
  },
  delays: {
    replTimeout: ({ context }) => context.replTimeoutMs,
    reconnectDelay: 1000,
  },
}).createMachine({
  id: 'replica',
  context: ({ input }) => ({ ...input, lastError: '', attempts: 0 }),
  initial: 'linked',
  on: { 'replica.stop': '.stopped' },
  states: {
    connect: {
      description: 'Must connect to master (REPL_STATE_CONNECT): retried every second',
      entry: 'announceLinkDown',
      after: { reconnectDelay: 'linked' },
    },
    linked: {
      description: 'A socket to the master exists; leaving this state closes it',
      entry: 'countAttempt',
      invoke: { id: 'link', src: 'masterLink', input: ({ context }) => ({ master: context.master }) },
      on: { 'link.closed': { target: 'connect', actions: 'recordError' } },
      initial: 'connecting',
      states: {
        connecting: {
          description: 'Connecting to master (REPL_STATE_CONNECTING)',
          on: { 'link.connected': 'handshake' },
          after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
        },
        handshake: {
          tags: ['handshake'],
          description: 'Handshake with the master, one command per state',
          initial: 'receivePingReply',
          states: {
            receivePingReply: {
              description: 'Wait for PING reply (REPL_STATE_RECEIVE_PING_REPLY)',
              entry: 'sendPing',
              on: {
                'link.reply': [
                  { guard: 'isPongOrAuthRequired', target: 'afterPing' },
                  { target: '#replica.connect', actions: 'recordError' },
                ],
              },
              after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
            },
            afterPing: {
              always: [{ guard: 'hasAuth', target: 'receiveAuthReply' }, { target: 'receivePortReply' }],
            },
            receiveAuthReply: {
              description: 'Wait for AUTH reply (REPL_STATE_RECEIVE_AUTH_REPLY)',
              entry: 'sendAuth',
              on: {
                'link.reply': [{ guard: 'isOk', target: 'receivePortReply' }, { target: '#replica.connect', actions: 'recordError' }],
              },
              after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
            },
            receivePortReply: {
              description: 'Wait for REPLCONF listening-port reply (REPL_STATE_RECEIVE_PORT_REPLY); an error is only logged',
              entry: 'sendReplconfPort',
              on: { 'link.reply': 'receiveCapaReply' },
              after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
            },
            receiveCapaReply: {
              description: 'Wait for REPLCONF capa reply (REPL_STATE_RECEIVE_CAPA_REPLY); an error is only logged',
              entry: 'sendReplconfCapa',
              on: { 'link.reply': 'receivePsyncReply' },
              after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
            },
            receivePsyncReply: {
              description: 'Wait for PSYNC reply (REPL_STATE_RECEIVE_PSYNC_REPLY): +FULLRESYNC or +CONTINUE',
              entry: ['expectPsyncReply', 'sendPsync'],
              on: {
                'link.fullresync': { target: '#replica.linked.transfer', actions: 'announceFullresync' },
                'link.continue': { target: '#replica.linked.connected', actions: 'announceContinue' },
                'link.reply': { target: '#replica.connect', actions: 'recordError' }, // -NOMASTERLINK, -LOADING, -ERR…
              },
              after: { replTimeout: { target: '#replica.connect', actions: 'recordError' } },
            },
          },
        },
        transfer: {
          description: 'Receiving the .rdb from the master (REPL_STATE_TRANSFER); clients get -LOADING',
          on: {
            'link.rdbLoaded': { target: 'connected', actions: 'announceSynced' },
            'link.rdbFailed': { target: '#replica.connect', actions: 'recordError' },
          },
        },
        connected: {
          description: 'Connected to master (REPL_STATE_CONNECTED): applying its stream, acknowledging offsets',
        },
      },
    },
    stopped: {
      type: 'final',
      description: 'No longer a replica (REPLICAOF NO ONE, or another master)',
    },
  },
});

/** ROLE's word for the replica state (replicationGetSlaveName / roleCommand in replication.c). */
export function roleState(value: unknown): 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected' | 'none' {
  if (value === 'connect') return 'connect';
  if (value === 'stopped') return 'none';
  const linked = (value as { linked?: unknown })?.linked;
  if (linked === 'connecting') return 'connecting';
  if (linked === 'transfer') return 'sync';
  if (linked === 'connected') return 'connected';
  return 'handshake';
}
