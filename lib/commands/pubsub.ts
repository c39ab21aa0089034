/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH,
 * SPUBLISH and PUBSUB's introspection. Who listens to what lives in lib/server/pubsub.ts; the RESP2 subscribed-mode
 * restriction is checked by dispatch (index.ts).
 */
import { fail } from '../protocol/errors';
import { bulk, bulkArray, array, int, sequence, type Reply } from '../protocol/reply';
import { pubsubOf, type SubscriptionKind } from '../server/pubsub';
import type { ArgCursor } from './args';
import { block, pattern, str } from './docs';
import { keyAt, range } from './keyspecs';
import { helpReply, subcommandSyntaxError } from './server';
import type { CommandContext, CommandSpec } from './types';

const SUBSCRIBER: CommandSpec['flags'] = ['pubsub', 'noscript', 'loading', 'stale'];
const INTROSPECTION: CommandSpec['flags'] = ['pubsub', 'loading', 'stale'];

export const pubsubCommands: readonly CommandSpec[] = [
  { name: 'SUBSCRIBE', arity: -2, flags: [...SUBSCRIBER, 'sentinel'], group: 'pubsub', since: '2.0.0', summary: 'Listen for messages published to the given channels', complexity: 'O(N) where N is the number of channels to subscribe to.', run: (ctx, args) => subscribeGeneric(ctx, args, 'channel'),
    args: [str('channel').many] },
  { name: 'UNSUBSCRIBE', arity: -1, flags: [...SUBSCRIBER, 'sentinel'], group: 'pubsub', since: '2.0.0', summary: 'Stop listening for messages posted to the given channels', complexity: 'O(N) where N is the number of clients already subscribed to a channel.', run: (ctx, args) => unsubscribeGeneric(ctx, args, 'channel'),
    args: [str('channel').opt.many] },
  { name: 'PSUBSCRIBE', arity: -2, flags: [...SUBSCRIBER, 'sentinel'], group: 'pubsub', since: '2.0.0', summary: 'Listen for messages published to channels matching the given patterns', complexity: 'O(N) where N is the number of patterns the client is already subscribed to.', run: (ctx, args) => subscribeGeneric(ctx, args, 'pattern'),
    args: [block('pattern', pattern('pattern')).many] },
  { name: 'PUNSUBSCRIBE', arity: -1, flags: [...SUBSCRIBER, 'sentinel'], group: 'pubsub', since: '2.0.0', summary: 'Stop listening for messages posted to channels matching the given patterns', complexity: 'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).', run: (ctx, args) => unsubscribeGeneric(ctx, args, 'pattern'),
    args: [pattern('pattern').opt.many] },
  { name: 'SSUBSCRIBE', arity: -2, flags: SUBSCRIBER, group: 'pubsub', since: '7.0.0', summary: 'Listen for messages published to the given shard channels', complexity: 'O(N) where N is the number of shard channels to subscribe to.', run: (ctx, args) => subscribeGeneric(ctx, args, 'shard'),
    keySpecs: [keyAt(1, 'not_key', range(-1))],
    args: [str('shardchannel').many] },
  { name: 'SUNSUBSCRIBE', arity: -1, flags: SUBSCRIBER, group: 'pubsub', since: '7.0.0', summary: 'Stop listening for messages posted to the given shard channels', complexity: 'O(N) where N is the number of clients already subscribed to a shard channel.', run: (ctx, args) => unsubscribeGeneric(ctx, args, 'shard'),
    keySpecs: [keyAt(1, 'not_key', range(-1))],
    args: [str('shardchannel').opt.many] },
  { name: 'PUBLISH', arity: 3, flags: [...INTROSPECTION, 'fast', 'may_replicate', 'sentinel'], group: 'pubsub', since: '2.0.0', summary: 'Post a message to a channel', complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).', run: (ctx, args) => publishGeneric(ctx, args, 'channel'),
    args: [str('channel'), str('message')] },
  { name: 'SPUBLISH', arity: 3, flags: [...INTROSPECTION, 'fast', 'may_replicate'], group: 'pubsub', since: '7.0.0', summary: 'Post a message to a shard channel', complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.', run: (ctx, args) => publishGeneric(ctx, args, 'shard'),
    keySpecs: [keyAt(1, 'not_key')],
    args: [str('shardchannel'), str('message')] },
  {
    name: 'PUBSUB', arity: -2, flags: [], group: 'pubsub', since: '2.8.0', summary: 'A container for Pub/Sub commands', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'CHANNELS', arity: -2, flags: INTROSPECTION, group: 'pubsub', since: '2.8.0', summary: 'List active channels', complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)', run: (ctx, args) => channelsGeneric(ctx, args, 'channel'),
        args: [pattern('pattern').opt] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'pubsub', since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', run: pubsubHelpCommand },
      { name: 'NUMPAT', arity: 2, flags: INTROSPECTION, group: 'pubsub', since: '2.8.0', summary: 'Get the count of unique patterns pattern subscriptions', complexity: 'O(1)', run: ({ server }) => int(pubsubOf(server).patterns.size) },
      { name: 'NUMSUB', arity: -2, flags: INTROSPECTION, group: 'pubsub', since: '2.8.0', summary: 'Get the count of subscribers for channels', complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels', run: (ctx, args) => numsubGeneric(ctx, args, 'channel'),
        args: [str('channel').opt.many] },
      { name: 'SHARDCHANNELS', arity: -2, flags: INTROSPECTION, group: 'pubsub', since: '7.0.0', summary: 'List active shard channels', complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).', run: (ctx, args) => channelsGeneric(ctx, args, 'shard'),
        args: [pattern('pattern').opt] },
      { name: 'SHARDNUMSUB', arity: -2, flags: INTROSPECTION, group: 'pubsub', since: '7.0.0', summary: 'Get the count of subscribers for shard channels', complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels', run: (ctx, args) => numsubGeneric(ctx, args, 'shard'),
        args: [str('shardchannel').opt.many] },
    ],
  },
];

/**
 * Replies Redis sends even under CLIENT REPLY OFF or SKIP (the CLIENT_PUSHING flag): subscription confirmations and
 * messages to the publisher itself. With replies on they go in line, before `reply`, which keeps them in place
 * inside EXEC's array too. With replies off the connection drops the command's reply, so they go straight into the
 * output being gathered for this client (the shared writer, whose protocol is set per reply).
 */
function withPushes(ctx: CommandContext, pushes: Reply[], reply?: Reply): Reply {
  const { client, server } = ctx;
  if (client.replyMode === 'on') return sequence(reply === undefined ? pushes : [...pushes, reply]);
  const writer = server.writer;
  writer.proto = client.proto;
  for (const p of pushes) writer.write(p);
  return reply ?? sequence([]);
}

/** The rest of the arguments: channel or pattern names. */
function names(args: ArgCursor): string[] {
  const out: string[] = [];
  while (args.hasMore) out.push(args.next());
  return out;
}

// SUBSCRIBE channel [channel ...]
// PSUBSCRIBE pattern [pattern ...]
// SSUBSCRIBE shardchannel [shardchannel ...]
function subscribeGeneric(ctx: CommandContext, args: ArgCursor, kind: SubscriptionKind): Reply {
  // Run by EXEC the client cannot block (CLIENT_DENY_BLOCKING); Redis lets (P)SUBSCRIBE through for backward
  // compatibility, not SSUBSCRIBE.
  if (kind === 'shard' && ctx.client.mode === 'multi') fail("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  return withPushes(ctx, pubsubOf(ctx.server).subscribe(ctx.client, kind, names(args)));
}

// UNSUBSCRIBE [channel [channel ...]]
// PUNSUBSCRIBE [pattern [pattern ...]]
// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
function unsubscribeGeneric(ctx: CommandContext, args: ArgCursor, kind: SubscriptionKind): Reply {
  const list = args.hasMore ? names(args) : null;
  return withPushes(ctx, pubsubOf(ctx.server).unsubscribe(ctx.client, kind, list));
}

// PUBLISH channel message
// SPUBLISH shardchannel message
function publishGeneric(ctx: CommandContext, args: ArgCursor, kind: 'channel' | 'shard'): Reply {
  const { server, client } = ctx;
  const channel = args.next();
  const message = args.next();
  const { receivers, own } = pubsubOf(server).publish(kind, channel, message, client);
  // forceCommandPropagation(c, PROPAGATE_REPL): replicas get every PUBLISH, the AOF none, dirty or not; in its
  // place among the writes of the same call (inside EXEC's or a script's MULTI/EXEC)
  server.propagation.also(client.db.id, ctx.argv, 'replicas');
  return own.length ? withPushes(ctx, own, int(receivers)) : int(receivers);
}

// PUBSUB CHANNELS [pattern]
// PUBSUB SHARDCHANNELS [pattern]
function channelsGeneric(ctx: CommandContext, args: ArgCursor, kind: 'channel' | 'shard'): Reply {
  if (args.remaining > 1) subcommandSyntaxError(ctx.argv);
  return bulkArray(pubsubOf(ctx.server).channelNames(kind, args.hasMore ? args.next() : null));
}

// PUBSUB NUMSUB [channel [channel ...]]
// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
function numsubGeneric(ctx: CommandContext, args: ArgCursor, kind: 'channel' | 'shard'): Reply {
  const pubsub = pubsubOf(ctx.server);
  const items: Reply[] = [];
  for (const channel of names(args)) items.push(bulk(channel), int(pubsub.subscriberCount(kind, channel)));
  return array(items); // a flat array in RESP3 too, as addReplyArrayLen makes it
}

// PUBSUB HELP
function pubsubHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
  ]);
}
