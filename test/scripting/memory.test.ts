import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { infoFields } from '../helpers/info';
import { hasRedis } from '../helpers/servers';
import { withRealRedis } from '../helpers/differential';
import { bulk, OK } from '../helpers/resp';

const test = suite('scripting/memory');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

const SCRIPT_FIELDS = [
  'used_memory_lua', 'used_memory_vm_eval', 'used_memory_lua_human', 'used_memory_scripts_eval', 'number_of_cached_scripts',
  'number_of_functions', 'number_of_libraries', 'used_memory_vm_functions', 'used_memory_vm_total',
  'used_memory_vm_total_human', 'used_memory_functions', 'used_memory_scripts', 'used_memory_scripts_human',
];

/** The cache and library figures, which do not depend on the VM (used_memory_functions: see the test). */
const EXACT_FIELDS = ['used_memory_scripts_eval', 'number_of_cached_scripts', 'number_of_functions', 'number_of_libraries'];

const pick = (info: Map<string, string>, fields: string[]) => fields.map((f) => `${f}:${info.get(f)}`);

const lib = (name: string, fns: string[], description?: string) => `#!lua name=${name}\n` + fns.map((f) =>
  `redis.register_function{function_name='${f}', callback=function() return 1 end${description ? `, description='${description}'` : ''}}`).join('\n');

/** Commands that move every cache figure: scripts of both body sizes, libraries with and without descriptions. */
const STEPS: string[][] = [
  ['EVAL', 'return 1', '0'],
  ['SCRIPT', 'LOAD', `return '${'x'.repeat(60)}'`],
  ['SCRIPT', 'LOAD', `return '${'y'.repeat(400)}'`],
  ['FUNCTION', 'LOAD', lib('first', ['a1'])],
  ['FUNCTION', 'LOAD', lib('second', ['b1', 'b2', 'b3', 'b4', 'b5'], 'a function of the second library')],
  ['FUNCTION', 'DELETE', 'first'],
  ['SCRIPT', 'FLUSH'],
  ['FUNCTION', 'FLUSH'],
];

test('INFO memory prints the scripting lines in Redis 7.0 order, between total_system_memory_human and maxmemory', async () => {
  const fields = [...(await infoFields(conn, 'memory')).keys()];
  const at = fields.indexOf('total_system_memory_human');
  assert.equal(fields.slice(at + 1, at + 1 + SCRIPT_FIELDS.length), SCRIPT_FIELDS);
  assert.is(fields[at + 1 + SCRIPT_FIELDS.length], 'maxmemory');
});

test('no VM before the first script; then its heap, which grows with cached scripts and goes with SCRIPT FLUSH', async () => {
  let info = await infoFields(conn, 'memory');
  assert.equal(pick(info, ['used_memory_vm_eval', 'used_memory_vm_functions', 'used_memory_vm_total_human']), [
    'used_memory_vm_eval:0', 'used_memory_vm_functions:0', 'used_memory_vm_total_human:0B',
  ]);
  await runRows(conn, [[['EVAL', 'return 1', '0'], ':1\r\n']]);
  info = await infoFields(conn, 'memory');
  const fresh = Number(info.get('used_memory_vm_eval'));
  assert.ok(fresh >= 8 * 1024 && fresh % 1024 === 0, `a started VM holds its libraries, in whole KB: ${fresh}`);
  assert.is(info.get('used_memory_lua'), String(fresh));
  assert.is(info.get('used_memory_vm_functions'), '0');
  for (let i = 0; i < 100; i++) {
    conn.send('SCRIPT', 'LOAD', `return ${i} + ${'1'.repeat(i)}`);
    await conn.readRaw();
  }
  info = await infoFields(conn, 'memory');
  assert.ok(Number(info.get('used_memory_vm_eval')) > fresh + 10 * 1024, `100 compiled scripts weigh: ${info.get('used_memory_vm_eval')}`);
  assert.is(info.get('number_of_cached_scripts'), '100');
  await runRows(conn, [[['SCRIPT', 'FLUSH'], OK]]);
  info = await infoFields(conn, 'memory');
  assert.equal(pick(info, ['used_memory_vm_eval', 'number_of_cached_scripts', 'used_memory_scripts_eval']), [
    'used_memory_vm_eval:0', 'number_of_cached_scripts:0', 'used_memory_scripts_eval:0',
  ]);
});

test('running many scripts does not grow the VM (nothing left on the Lua stack)', async () => {
  await runRows(conn, [[['EVAL', "return redis.call('incr', KEYS[1])", '1', 'x'], ':1\r\n']]);
  const before = Number((await infoFields(conn, 'memory')).get('used_memory_vm_eval'));
  for (let i = 0; i < 2000; i++) conn.send('EVAL', "return redis.call('incr', KEYS[1])", '1', 'x');
  for (let i = 0; i < 2000; i++) await conn.readRaw();
  await runRows(conn, [[['GET', 'x'], bulk('2001')]]);
  assert.is(Number((await infoFields(conn, 'memory')).get('used_memory_vm_eval')), before);
});

test('the script cache and library figures match real Redis step by step', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const mine = conn;
    for (const step of [null, ...STEPS]) {
      if (step) {
        mine.send(...step);
        real.send(...step);
        assert.is(await mine.readRaw(), await real.readRaw(), step.join(' '));
      }
      const label = step ? `after ${step[0]} ${step[1]}` : 'at start';
      const [m, r] = [await infoFields(mine, 'memory'), await infoFields(real, 'memory')];
      assert.equal(pick(m, EXACT_FIELDS), pick(r, EXACT_FIELDS), label);
      // a dict Redis just grew keeps its old table until rehashed, a few more slots than toyredis counts
      const functions = Number(m.get('number_of_functions'));
      const oldTable = functions > 4 ? 2 ** Math.ceil(Math.log2(functions)) / 2 : 0;
      const extra = Number(r.get('used_memory_functions')) - Number(m.get('used_memory_functions'));
      assert.ok(extra === 0 || extra === 8 * oldTable, `${label}: used_memory_functions ${m.get('used_memory_functions')} vs ${r.get('used_memory_functions')}`);
      assert.is(Number(r.get('used_memory_scripts')) - Number(m.get('used_memory_scripts')), extra, label);
    }
  });
});

test.run();
