/**
 * Cluster commands as a server with cluster-enabled no answers them (cluster.c): CLUSTER and all its subcommands,
 * READONLY, READWRITE and ASKING. Command lookup still checks names and arity; every one that gets through answers
 * that cluster support is disabled. The rows exist so COMMAND, ACLs and scripts see what Redis 7.0's table holds.
 */
import { ERR_CLUSTER_DISABLED, fail } from '../protocol/errors';
import { block, integer, oneof, str, tok } from './docs';
import type { CommandSpec } from './types';

/** clusterCommand() and friends when server.cluster_enabled is 0. */
const clusterDisabled = (): never => fail(ERR_CLUSTER_DISABLED);

const ADMIN = ['admin', 'stale', 'no_async_loading'] as const;
const ADMIN_SYNC = ['admin', 'stale'] as const;
const NONDET = ['nondeterministic_output'];
const nodeId = str('node-id');
const slotRanges = block('start-slot_end-slot', integer('start-slot'), integer('end-slot')).many;

/** One CLUSTER subcommand: group cluster, and the disabled answer. */
const sub = (spec: Omit<CommandSpec, 'group' | 'run'>): CommandSpec => ({ ...spec, group: 'cluster', run: clusterDisabled });

export const clusterCommands: readonly CommandSpec[] = [
  {
    name: 'CLUSTER', arity: -2, flags: [], group: 'cluster', since: '3.0.0', summary: 'Subcommands for Redis Cluster.', complexity: 'Depends on subcommand.',
    subcommands: [
      sub({ name: 'ADDSLOTS', arity: -3, flags: ADMIN, since: '3.0.0', summary: 'Give hash slots to this node.', complexity: 'O(N) where N is the total number of hash slot arguments',
        args: [integer('slot').many] }),
      sub({ name: 'ADDSLOTSRANGE', arity: -4, flags: ADMIN, since: '7.0.0', summary: 'Give ranges of hash slots to this node.', complexity: 'O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        args: [slotRanges] }),
      sub({ name: 'BUMPEPOCH', arity: 2, flags: ADMIN, since: '3.0.0', summary: "Raise this node's config epoch.", complexity: 'O(1)', tips: NONDET }),
      sub({ name: 'COUNT-FAILURE-REPORTS', arity: 3, flags: ADMIN_SYNC, since: '3.0.0', summary: 'How many nodes report a node as failing.', complexity: 'O(N) where N is the number of failure reports', tips: NONDET,
        args: [nodeId] }),
      sub({ name: 'COUNTKEYSINSLOT', arity: 3, flags: ['stale'], since: '3.0.0', summary: 'Count the local keys in a hash slot.', complexity: 'O(1)',
        args: [integer('slot')] }),
      sub({ name: 'DELSLOTS', arity: -3, flags: ADMIN, since: '3.0.0', summary: 'Take hash slots away from this node.', complexity: 'O(N) where N is the total number of hash slot arguments',
        args: [integer('slot').many] }),
      sub({ name: 'DELSLOTSRANGE', arity: -4, flags: ADMIN, since: '7.0.0', summary: 'Take ranges of hash slots away from this node.', complexity: 'O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        args: [slotRanges] }),
      sub({ name: 'FAILOVER', arity: -2, flags: ADMIN, since: '3.0.0', summary: 'Have a replica take over from its master.', complexity: 'O(1)',
        args: [oneof('options', tok('FORCE'), tok('TAKEOVER')).opt] }),
      sub({ name: 'FLUSHSLOTS', arity: 2, flags: ADMIN, since: '3.0.0', summary: 'Take every hash slot away from this node.', complexity: 'O(1)' }),
      sub({ name: 'FORGET', arity: 3, flags: ADMIN, since: '3.0.0', summary: "Drop a node from this node's table.", complexity: 'O(1)',
        args: [nodeId] }),
      sub({ name: 'GETKEYSINSLOT', arity: 4, flags: ['stale'], since: '3.0.0', summary: 'Some of the local key names in a hash slot.', complexity: 'O(N) where N is the number of requested keys', tips: NONDET,
        args: [integer('slot'), integer('count')] }),
      sub({ name: 'HELP', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'List the CLUSTER subcommands.', complexity: 'O(1)' }),
      sub({ name: 'INFO', arity: 2, flags: ['stale'], since: '3.0.0', summary: "The cluster's state and counters, as seen from this node.", complexity: 'O(1)', tips: NONDET }),
      sub({ name: 'KEYSLOT', arity: 3, flags: ['stale'], since: '3.0.0', summary: 'The hash slot a key name maps to.', complexity: 'O(N) where N is the number of bytes in the key',
        args: [str('key')] }),
      sub({ name: 'LINKS', arity: 2, flags: ['stale'], since: '7.0.0', summary: "This node's cluster bus connections.", complexity: 'O(N) where N is the total number of Cluster nodes', tips: NONDET }),
      sub({ name: 'MEET', arity: -4, flags: ADMIN, since: '3.0.0', summary: 'Introduce another node to this one.', complexity: 'O(1)',
        args: [str('ip'), integer('port'), integer('cluster_bus_port').opt.since('4.0.0')],
        history: [['4.0.0', 'The cluster bus port may be given.']] }),
      sub({ name: 'MYID', arity: 2, flags: ['stale'], since: '3.0.0', summary: "This node's ID.", complexity: 'O(1)' }),
      sub({ name: 'NODES', arity: 2, flags: ['stale'], since: '3.0.0', summary: "The cluster's nodes as this node's config file lists them.", complexity: 'O(N) where N is the total number of Cluster nodes', tips: NONDET }),
      sub({ name: 'REPLICAS', arity: 3, flags: ADMIN_SYNC, since: '5.0.0', summary: "A master's replicas.", complexity: 'O(1)', tips: NONDET,
        args: [nodeId] }),
      sub({ name: 'REPLICATE', arity: 3, flags: ADMIN, since: '3.0.0', summary: 'Make this node a replica of a master.', complexity: 'O(1)',
        args: [nodeId] }),
      sub({ name: 'RESET', arity: -2, flags: ['admin', 'noscript', 'stale'], since: '3.0.0', summary: "Forget the cluster: this node's slots, peers and (hard) identity.", complexity: 'O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.',
        args: [oneof('hard_soft', tok('HARD'), tok('SOFT')).opt] }),
      sub({ name: 'SAVECONFIG', arity: 2, flags: ADMIN, since: '3.0.0', summary: 'Write the cluster config file now.', complexity: 'O(1)' }),
      sub({ name: 'SET-CONFIG-EPOCH', arity: 3, flags: ADMIN, since: '3.0.0', summary: "Set a new node's config epoch.", complexity: 'O(1)',
        args: [integer('config-epoch')] }),
      sub({ name: 'SETSLOT', arity: -4, flags: ADMIN, since: '3.0.0', summary: 'Change who owns a hash slot, or mark it migrating or importing.', complexity: 'O(1)',
        args: [integer('slot'), oneof('subcommand', str('node-id', 'IMPORTING'), str('node-id', 'MIGRATING'), str('node-id', 'NODE'), tok('STABLE'))] }),
      sub({ name: 'SHARDS', arity: 2, flags: ['stale'], since: '7.0.0', summary: "The cluster's shards: their slots and nodes.", complexity: 'O(N) where N is the total number of cluster nodes', tips: NONDET }),
      sub({ name: 'SLAVES', arity: 3, flags: ADMIN_SYNC, since: '3.0.0', summary: "A master's replicas (old name).", complexity: 'O(1)', tips: NONDET,
        args: [nodeId], docFlags: ['deprecated'], deprecatedSince: '5.0.0', replacedBy: '`CLUSTER REPLICAS`' }),
      sub({ name: 'SLOTS', arity: 2, flags: ['stale'], since: '3.0.0', summary: 'Which nodes serve which ranges of hash slots.', complexity: 'O(N) where N is the total number of Cluster nodes', tips: NONDET,
        docFlags: ['deprecated'], deprecatedSince: '7.0.0', replacedBy: '`CLUSTER SHARDS`',
        history: [['4.0.0', 'Each node carries its ID.'], ['7.0.0', 'Each node carries its other network endpoints too.']] }),
    ],
  },
  { name: 'READONLY', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'cluster', since: '3.0.0', summary: "Let this connection read from a cluster replica.", complexity: 'O(1)', acl: ['@connection'], run: clusterDisabled },
  { name: 'READWRITE', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'cluster', since: '3.0.0', summary: 'Stop reading from cluster replicas on this connection.', complexity: 'O(1)', acl: ['@connection'], run: clusterDisabled },
  { name: 'ASKING', arity: 1, flags: ['fast'], group: 'cluster', since: '3.0.0', summary: 'Let the next command reach a slot being imported (after an -ASK redirect).', complexity: 'O(1)', acl: ['@connection'], run: clusterDisabled },
];
