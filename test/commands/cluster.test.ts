import { suite } from 'uvu';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, err, OK, QUEUED } from '../helpers/resp';

const test = suite('commands/cluster');

const DISABLED = err('ERR This instance has cluster support disabled');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

test('with cluster disabled every known subcommand says so; lookup and arity errors come first', async () => {
  await runRows(conn, [
    [['CLUSTER', 'INFO'], DISABLED],
    [['cluster', 'keyslot', 'foo'], DISABLED],
    [['CLUSTER', 'HELP'], DISABLED],
    [['CLUSTER', 'RESET', 'HARD'], DISABLED],
    [['CLUSTER', 'RESET', 'nonsense', 'args'], DISABLED],
    [['CLUSTER', 'nosuch'], err("ERR unknown subcommand 'nosuch'. Try CLUSTER HELP.")],
    [['CLUSTER'], arity('cluster')],
    [['CLUSTER', 'INFO', 'extra'], arity('cluster|info')],
    [['CLUSTER', 'SETSLOT', '1'], arity('cluster|setslot')],
    [['READONLY'], DISABLED],
    [['READWRITE'], DISABLED],
    [['ASKING'], DISABLED],
    [['ASKING', 'x'], arity('asking')],
    [['MULTI'], OK],
    [['CLUSTER', 'MYID'], QUEUED],
    [['EXEC'], arr(DISABLED)],
  ]);
});

test('scripts may not run CLUSTER RESET (noscript) and get the disabled error for the rest', async () => {
  await runRows(conn, [
    [['EVAL', "return redis.call('cluster','reset','hard')", '0'], /^-ERR This Redis command is not allowed from script script: \w{40}, on @user_script:1\.\r\n$/],
    [['EVAL', "return redis.call('cluster','info')", '0'], /^-ERR This instance has cluster support disabled script: \w{40}, on @user_script:1\.\r\n$/],
  ]);
});

/** Replies that must be byte-identical on real Redis 7.0 (cluster-enabled no). */
const DIFFERENTIAL: string[][] = [
  ['CLUSTER', 'INFO'],
  ['CLUSTER', 'NODES'],
  ['CLUSTER', 'RESET', 'HARD'],
  ['CLUSTER', 'RESET'],
  ['CLUSTER', 'KEYSLOT', 'foo'],
  ['CLUSTER', 'KEYSLOT'],
  ['CLUSTER', 'SLOTS'],
  ['CLUSTER', 'SHARDS'],
  ['CLUSTER', 'MYID'],
  ['CLUSTER', 'ADDSLOTSRANGE', '0', '100'],
  ['CLUSTER', 'SETSLOT', '1', 'STABLE'],
  ['CLUSTER', 'help'],
  ['CLUSTER', 'HELP', 'x'],
  ['CLUSTER', 'nosuch'],
  ['CLUSTER'],
  ['CLUSTER', 'INFO', 'extra'],
  ['READONLY'],
  ['READWRITE'],
  ['ASKING'],
  ['READONLY', 'x'],
  ['EVAL', "return redis.call('cluster','reset','hard')", '0'],
  ['EVAL', "return redis.pcall('cluster','reset','hard')", '0'],
  ['EVAL', "return redis.call('cluster','info')", '0'],
  ['EVAL', "return redis.call('cluster','help')", '0'],
  ['EVAL', "return redis.call('readonly')", '0'],
  ['EVAL', "return redis.call('asking')", '0'],
  ['EVAL', "return redis.pcall('cluster','nosuch')", '0'],
  ['MULTI'], ['CLUSTER', 'INFO'], ['CLUSTER', 'nosuch'], ['EXEC'],
  ['MULTI'], ['ASKING'], ['CLUSTER', 'COUNTKEYSINSLOT', '1'], ['EXEC'],
  ['COMMAND', 'GETKEYS', 'CLUSTER', 'INFO'],
  ['HELLO', '3'],
  ['CLUSTER', 'NODES'],
  ['READWRITE'],
];

test('replies match real redis-server byte for byte', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, DIFFERENTIAL);
  });
});

test.run();
