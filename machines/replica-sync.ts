/**
 * Master side: one actor per replica, from PSYNC to the end of the connection. States follow Redis's
 * SLAVE_STATE_* (server.h): a full resync waits for its snapshot (waitBgsave), sends it (sendBulk), then the
 * replica is online and gets the live stream; a partial resync goes straight to online. The socket work is done
 * by the replication module, which the machine tells what to do through emitted events.
 */
import { assign, emit, fromPromise, setup } from 'xstate';

export interface ReplicaSyncInput {
  replicaId: number; // the client id of the replica's connection
  addr: string;
  /** How the PSYNC was answered. */
  mode: 'full' | 'partial';
}

export interface ReplicaSyncContext extends ReplicaSyncInput {
  rdbBytes: number;
}

export type ReplicaSyncEvent =
  | { type: 'bulk.sent' } // every byte of the snapshot was handed to the socket and flushed
  | { type: 'socket.closed' }
  | { type: 'replica.drop'; reason: string }; // output buffer limit, timeout, REPLICAOF, shutdown

export type ReplicaSyncEmitted =
  | { type: 'sendBulk'; rdb: Buffer[]; length: number } // write `$<len>\r\n` + the snapshot
  | { type: 'goOnline' } // flush what was buffered during the sync, then stream live
  | { type: 'disconnect'; reason: string }
  | { type: 'released' };

/** Builds the point-in-time snapshot; provided by the replication module, faked in tests. */
export type SnapshotBuilder = (input: { replicaId: number }) => Promise<Buffer[]>;

export const replicaSyncMachine = setup({
  types: {
    context: {} as ReplicaSyncContext,
    input: {} as ReplicaSyncInput,
    events: {} as ReplicaSyncEvent,
    emitted: {} as ReplicaSyncEmitted,
  },
  actors: {
    snapshotBuilder: fromPromise<Buffer[], { replicaId: number }>(async () => {
      throw new Error('snapshotBuilder must be provided');
    }),
  },
  actions: {
    goOnline: emit({ type: 'goOnline' } as const),
    disconnect: emit(({ event }) => ({
      type: 'disconnect' as const,
      reason: event.type === 'replica.drop' ? event.reason : 'snapshot failed',
    })),
    release: emit({ type: 'released' } as const),
  },
  guards: {
    isPartial: ({ context }) => context.mode === 'partial',
  },
}).createMachine({
  id: 'replicaSync',
  context: ({ input }) => ({ ...input, rdbBytes: 0 }),
  initial: 'start',
  on: {
    'socket.closed': '.closed',
    'replica.drop': { target: '.closed', actions: 'disconnect' },
  },
  states: {
    start: {
      always: [{ guard: 'isPartial', target: 'online' }, { target: 'waitBgsave' }],
    },
    waitBgsave: {
      description: 'Full resync: the point-in-time snapshot is being produced; the stream is buffered meanwhile',
      invoke: {
        id: 'snapshot',
        src: 'snapshotBuilder',
        input: ({ context }) => ({ replicaId: context.replicaId }),
        onDone: {
          target: 'sendBulk',
          actions: [
            assign({ rdbBytes: ({ event }) => event.output.reduce((n, b) => n + b.length, 0) }),
            emit(({ event }) => ({ type: 'sendBulk' as const, rdb: event.output, length: event.output.reduce((n, b) => n + b.length, 0) })),
          ],
        },
        onError: { target: 'closed', actions: 'disconnect' },
      },
    },
    sendBulk: {
      description: 'Sending the RDB payload as $<len>\\r\\n<bytes> (no trailing CRLF)',
      on: { 'bulk.sent': 'online' },
    },
    online: {
      description: 'The replica gets every propagated write and answers REPLCONF GETACK',
      entry: 'goOnline',
    },
    closed: {
      type: 'final',
      description: 'The replica is gone: its buffers and timers are released',
      entry: 'release',
    },
  },
});

export type ReplicaSyncState = 'start' | 'waitBgsave' | 'sendBulk' | 'online' | 'closed';

/** INFO's `state=` word for each state (replstateToString in replication.c). */
export function replstateName(state: ReplicaSyncState): string {
  switch (state) {
    case 'start':
    case 'waitBgsave':
      return 'wait_bgsave';
    case 'sendBulk':
      return 'send_bulk';
    case 'online':
      return 'online';
    case 'closed':
      return 'closed';
  }
}
