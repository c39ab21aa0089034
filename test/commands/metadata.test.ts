import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandTable } from '../../lib/commands';
import {
  afterKeyword, countedKeys, getKeysFromCommand, keyAt, keynum, keySpecsOf, legacyRange, range, setKeys, sortKeys, UNKNOWN,
} from '../../lib/commands/keyspecs';
import { block, integer, key, oneof, str, tok } from '../../lib/commands/docs';
import type { ArgSpec, Command, CommandSpec } from '../../lib/commands/types';
import { startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';

const test = suite('commands/metadata');

const commands = [...commandTable.everything()];
const implemented = new Set([...commandTable.everything()].map((c) => c.fullname));

// ---- a RESP tree, to normalise what legitimately differs and write it back ----

interface Frame {
  type: string;
  head: string; // the header line after the type byte (a count, a length, or the whole simple value)
  text?: string; // a bulk's bytes
  items?: Frame[];
}

function parse(s: string, at = 0): { frame: Frame; end: number } {
  const type = s[at];
  const eol = s.indexOf('\r\n', at);
  const head = s.slice(at + 1, eol);
  let end = eol + 2;
  if (type === '$' || type === '=' || type === '!') {
    const n = Number(head);
    if (n < 0) return { frame: { type, head }, end };
    return { frame: { type, head, text: s.slice(end, end + n) }, end: end + n + 2 };
  }
  if ('*%~>'.includes(type)) {
    const n = Number(head) * (type === '%' ? 2 : 1);
    const items: Frame[] = [];
    for (let i = 0; i < n; i++) {
      const r = parse(s, end);
      items.push(r.frame);
      end = r.end;
    }
    return { frame: { type, head, items }, end };
  }
  return { frame: { type, head }, end };
}

function write(f: Frame): string {
  if (f.items) return `${f.type}${f.type === '%' ? f.items.length / 2 : f.items.length}\r\n${f.items.map(write).join('')}`;
  if (f.text !== undefined) return `${f.type}${f.text.length}\r\n${f.text}\r\n`;
  return `${f.type}${f.head}\r\n`;
}

const bulkText = (f: Frame) => f.text ?? f.head;

/** A map (RESP3) or flat array (RESP2) as [key, value] pairs. */
function pairs(f: Frame): [Frame, Frame][] {
  const out: [Frame, Frame][] = [];
  for (let i = 0; i + 1 < f.items!.length; i += 2) out.push([f.items![i], f.items![i + 1]]);
  return out;
}

const replaced = (f: Frame, text: string): Frame => ({ type: '$', head: String(text.length), text });

/**
 * COMMAND INFO of a container: keep only the subcommands toyredis implements (Redis has more) and put them in
 * name order (Redis lists them in its hash table's order, which changes with every start).
 */
function normaliseInfo(reply: Frame): Frame {
  const info = reply.items![0];
  if (!info.items) return reply;
  const subs = info.items[9];
  if (subs.type === '*' && subs.items!.length) {
    const kept = subs.items!.filter((s) => implemented.has(bulkText(s.items![0])));
    kept.sort((a, b) => (bulkText(a.items![0]) < bulkText(b.items![0]) ? -1 : 1));
    info.items[9] = { ...subs, items: kept };
  }
  return reply;
}

/** COMMAND DOCS: the prose (summary, complexity, history descriptions) is ours; subcommands as for INFO. */
function normaliseDocs(reply: Frame): Frame {
  for (const [, docs] of pairs(reply)) normaliseDoc(docs);
  return reply;
}

function normaliseDoc(docs: Frame): void {
  for (let i = 0; i + 1 < docs.items!.length; i += 2) {
    const name = bulkText(docs.items![i]);
    const value = docs.items![i + 1];
    if (name === 'summary' || name === 'complexity') docs.items![i + 1] = replaced(value, `<${name}>`);
    if (name === 'history') for (const entry of value.items!) entry.items![1] = replaced(entry.items![1], '<change>');
    if (name === 'subcommands') {
      const kept = pairs(value).filter(([n]) => implemented.has(bulkText(n)));
      kept.sort(([a], [b]) => (bulkText(a) < bulkText(b) ? -1 : 1));
      for (const [, sub] of kept) normaliseDoc(sub);
      value.items = kept.flat();
    }
  }
}

// ---- sample command lines, made from each command's own argument tree ----

/** A command line for `c`: every required argument once (`full`: the optional ones too), repeats twice. */
function sampleArgv(c: Command, full: boolean): string[] {
  const argv = c.parent ? [c.parent.name, c.name] : [c.name];
  let n = 0;
  const emit = (a: ArgSpec): void => {
    if (a.optional && !full) return;
    const times = a.multiple ? 2 : 1;
    for (let t = 0; t < times; t++) {
      if (a.token !== undefined && (t === 0 || a.multipleToken)) argv.push(a.token);
      if (a.type === 'pure-token') continue;
      if (a.type === 'oneof') emit(a.arguments![0]);
      else if (a.type === 'block') a.arguments!.forEach(emit);
      else if (a.type === 'key') argv.push(`key:${++n}`);
      else if (a.type === 'integer') argv.push(a.name === 'numkeys' ? '2' : '1');
      else if (a.type === 'double') argv.push('1.5');
      else if (a.type === 'unix-time') argv.push('1700000000');
      else argv.push(`${a.name}:${++n}`);
    }
  };
  (c.args ?? []).forEach((a) => emit(a.spec));
  return argv;
}

/** Command lines whose keys are not where a plain reading of the arguments puts them. */
const TRICKY: string[][] = [
  ['SET', 'k', 'v', 'GET'], ['SET', 'k', 'v', 'get'], ['SET', 'k', 'v', 'NX', 'GET'], ['SET', 'k', 'v', 'EX', '10'], ['SET', 'k', 'v', 'GETX'],
  ['BITFIELD', 'k', 'GET', 'u8', '0'], ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'], ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
  ['BITFIELD', 'k'], ['BITFIELD', 'k', 'bogus'], ['BITFIELD', 'k', 'GET', 'u8'], ['BITFIELD_RO', 'k', 'GET', 'u8', '0'],
  ['MSET', 'a', '1', 'b'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['MGET', 'a', 'b', 'c'], ['DEL', 'a'],
  ['BITOP', 'AND', 'dest', 'a', 'b', 'c'], ['BITOP', 'NOT', 'dest', 'a'],
  ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '0', 'a'], ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', '1abc', 'a'], ['SINTERCARD', '-1', 'a'],
  ['SINTERCARD', '1', 'a', 'LIMIT', '5'], ['SINTERCARD', 'x', 'a'], ['SINTERCARD', ' 1', 'a'],
  ['LMPOP', '2', 'a', 'b', 'LEFT'], ['LMPOP', '1', 'a', 'RIGHT', 'COUNT', '2'], ['LMPOP', '5', 'a', 'LEFT'], ['LMPOP', '0', 'a', 'LEFT'], ['LMPOP', '2x', 'a', 'b'],
  ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'], ['BLMPOP', '0', '9', 'a', 'LEFT'], ['BLMPOP', '0', '1z', 'a', 'LEFT'],
  ['BLPOP', 'a', 'b', '0'], ['BRPOP', 'a', '0'], ['BRPOPLPUSH', 'a', 'b', '0'], ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'],
  ['RPOPLPUSH', 'a', 'b'], ['LMOVE', 'a', 'b', 'LEFT', 'LEFT'], ['SMOVE', 'a', 'b', 'm'],
  ['SINTERSTORE', 'd', 'a', 'b'], ['SUNIONSTORE', 'd', 'a'], ['SDIFFSTORE', 'd', 'a', 'b', 'c'],
  ['COPY', 'a', 'b', 'DB', '1', 'REPLACE'], ['RENAME', 'a', 'b'], ['RENAMENX', 'a', 'b'], ['LCS', 'a', 'b', 'LEN'],
  ['MEMORY', 'USAGE', 'k', 'SAMPLES', '5'], ['OBJECT', 'ENCODING', 'k'], ['WATCH', 'a', 'b'],
  ['PING'], ['GET'], ['GET', 'a', 'b'], ['CONFIG', 'GET', 'x'], ['CONFIG', 'NOSUCH'], ['NOSUCH', 'a'], ['OBJECT'], ['MEMORY', 'USAGE'],
];

// ---- against real Redis ----

let redis: RunningServer | undefined;
let toy: InProcess;
const conns: { real: RawConnection; ours: RawConnection }[] = [];

test.before(async () => {
  toy = await startInProcess();
  if (hasRedis) redis = await startRedis();
});

test.after(async () => {
  for (const c of conns) {
    c.real.close();
    c.ours.close();
  }
  await toy?.close();
  await redis?.stop();
});

/** A connection to each server speaking RESP `protocol`. */
async function pair(protocol: 2 | 3) {
  const real = await RawConnection.connect(redis!.port);
  const ours = await toy.connect();
  conns.push({ real, ours });
  for (const c of [real, ours]) {
    c.send('HELLO', String(protocol));
    await c.read();
  }
  return {
    /** Both servers' replies to `argv`, normalised the same way. */
    async both(argv: string[], normalise: (f: Frame) => Frame = (f) => f): Promise<[string, string]> {
      real.send(...argv);
      ours.send(...argv);
      const [r, o] = [await real.readRaw(), await ours.readRaw()];
      return [write(normalise(parse(r).frame)), write(normalise(parse(o).frame))];
    },
  };
}

/** Run `argvs` on both servers; fail listing every line whose replies differ (the first few in full). */
async function compareAll(protocol: 2 | 3, argvs: string[][], normalise?: (f: Frame) => Frame): Promise<void> {
  const p = await pair(protocol);
  const diffs: string[] = [];
  for (const argv of argvs) {
    const [real, ours] = await p.both(argv, normalise);
    if (real !== ours) diffs.push(`${argv.join(' ')}\n  redis: ${JSON.stringify(real).slice(0, 600)}\n  ours:  ${JSON.stringify(ours).slice(0, 600)}`);
  }
  const names = diffs.map((d) => d.split('\n')[0]).join(', ');
  assert.ok(diffs.length === 0, `RESP${protocol}: ${diffs.length} of ${argvs.length} differ: ${names}\n${diffs.slice(0, 3).join('\n')}`);
}

test('COMMAND INFO of every command is byte for byte Redis 7.0\'s (RESP2 and RESP3)', async () => {
  if (!redis) return;
  const argvs = commands.map((c) => ['COMMAND', 'INFO', c.fullname]);
  argvs.push(['COMMAND', 'INFO', 'get', 'nosuch', 'set', 'config|get', 'config|nosuch', 'get|x']);
  await compareAll(3, argvs, normaliseInfo);
  await compareAll(2, argvs, normaliseInfo);
});

test('COMMAND DOCS of every command matches Redis 7.0\'s but for the prose', async () => {
  if (!redis) return;
  const argvs = commands.map((c) => ['COMMAND', 'DOCS', c.fullname]);
  argvs.push(['COMMAND', 'DOCS', 'get', 'nosuch', 'getex', 'client|kill']);
  await compareAll(3, argvs, normaliseDocs);
  await compareAll(2, argvs, normaliseDocs);
});

test('COMMAND GETKEYS and GETKEYSANDFLAGS find the keys Redis finds', async () => {
  if (!redis) return;
  const argvs: string[][] = [...TRICKY];
  for (const c of commands) {
    if (c.subs) continue;
    argvs.push(sampleArgv(c, false), sampleArgv(c, true));
  }
  const lines = argvs.flatMap((argv) => [['COMMAND', 'GETKEYS', ...argv], ['COMMAND', 'GETKEYSANDFLAGS', ...argv]]);
  await compareAll(3, lines);
  await compareAll(2, lines.filter((l) => l[1] === 'GETKEYSANDFLAGS'));
});

// ---- the model on its own (no Redis needed) ----

const row = (spec: Partial<CommandSpec>): CommandSpec => ({ name: 'X', arity: -1, flags: [], group: 'generic', since: '1.0.0', summary: 's', ...spec });
const keysOf = (spec: CommandSpec, argv: string[]) => getKeysFromCommand(spec, argv).map(({ pos, flags }) => `${argv[pos]}:${flags.join(',')}`);

test('key specs: legacy first/last/step and movablekeys as populateCommandLegacyRangeSpec derives them', () => {
  const legacy = (keySpecs: CommandSpec['keySpecs']) => legacyRange(row({ keySpecs }));
  assert.equal(legacy([keyAt(1, 'RO access')]), { first: 1, last: 1, step: 1, movable: false });
  assert.equal(legacy([keyAt(1, 'OW update', range(-1, 2))]), { first: 1, last: -1, step: 2, movable: false });
  // consecutive specs merge; a keynum one cannot be expressed and makes the keys movable
  assert.equal(legacy([keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')]), { first: 1, last: 2, step: 1, movable: false });
  assert.equal(legacy([keyAt(2, 'OW update'), keyAt(3, 'RO access', range(-1))]), { first: 2, last: -1, step: 1, movable: false });
  assert.equal(legacy([keyAt(1, 'OW update'), keyAt(2, 'RO access', keynum())]), { first: 1, last: 1, step: 1, movable: true });
  assert.equal(legacy([keyAt(1, 'RO access', keynum())]), { first: 0, last: 0, step: 0, movable: true });
  assert.equal(legacy([keyAt(1, 'RO access', range(0), 'x'), keyAt(3, 'RO access')]), { first: 1, last: 1, step: 1, movable: true });
  assert.equal(legacy([keyAt(1, 'RO access incomplete')]), { first: 1, last: 1, step: 1, movable: true });
  assert.equal(legacy([]), { first: 0, last: 0, step: 0, movable: false });
});

test('key specs: keyword searches, limits, key counts and getkeys callbacks', () => {
  const xread = row({ keySpecs: [keyAt(afterKeyword('STREAMS', 1), 'RO access', range(-1, 1, 2))] });
  assert.equal(keysOf(xread, ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0']), ['a:RO,access', 'b:RO,access']);
  assert.equal(keysOf(xread, ['XREAD', 'COUNT', '2']), []); // no keyword: no keys from that spec
  const migrate = row({ keySpecs: [keyAt(3, 'RW access delete'), keyAt(afterKeyword('KEYS', -2), 'RW access delete incomplete', range(-1))] });
  assert.equal(keysOf(migrate, ['MIGRATE', 'h', 'p', 'k', '0', '0']), ['k:RW,access,delete']);
  assert.equal(keysOf(migrate, ['MIGRATE', 'h', 'p', '', '0', '0', 'KEYS', 'a', 'b']), []); // incomplete, and no callback
  const inter = row({ keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2) });
  assert.equal(keysOf(inter, ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1']), ['a:RO,access', 'b:RO,access']);
  assert.equal(keysOf(inter, ['SINTERCARD', '2abc', 'a', 'b']), ['a:', 'b:']); // the callback reads the count as atoi() does
  assert.equal(keysOf(inter, ['SINTERCARD', '0', 'a']), []);
  const set = row({ keySpecs: [keyAt(1, 'RW access update variable_flags')], getKeys: setKeys });
  assert.equal(keysOf(set, ['SET', 'k', 'v', 'xx', 'get']), ['k:RW,access,update']);
  assert.equal(keysOf(set, ['SET', 'k', 'v', 'get\0x']), ['k:RW,access,update']); // compared as a C string
  assert.equal(keysOf(set, ['SET', 'k', 'get']), ['k:OW,update']); // GET counts from the third argument on
  // SORT's BY/GET/STORE keys cannot be found from positions: unknown specs, so the callback decides
  const sort = row({
    keySpecs: [keyAt(1, 'RO access'), keyAt(UNKNOWN, 'RO access', UNKNOWN, 'BY/GET'), keyAt(UNKNOWN, 'OW update', UNKNOWN, 'STORE')],
    getKeys: sortKeys,
  });
  assert.equal(legacyRange(sort), { first: 1, last: 1, step: 1, movable: true });
  assert.equal(keysOf(sort, ['SORT', 'k', 'BY', 'w_*', 'STORE', 'd1', 'LIMIT', '0', '1', 'store', 'd2']), ['k:RO,access', 'd2:OW,update']);
  assert.equal(keysOf(sort, ['SORT', 'k', 'GET', 'STORE', 'LIMIT', 'STORE', 'x', 'STORE']), ['k:RO,access']); // option values, a dangling STORE
});

test('argument trees: helpers build the redisCommandArg shapes, modifiers copy', () => {
  const base = str('value');
  const condition = oneof('condition', tok('NX'), tok('XX')).opt.since('2.6.12');
  assert.equal(condition.spec, {
    name: 'condition', type: 'oneof', optional: true, since: '2.6.12',
    arguments: [{ name: 'nx', type: 'pure-token', token: 'NX' }, { name: 'xx', type: 'pure-token', token: 'XX' }],
  });
  assert.equal(base.opt.spec, { name: 'value', type: 'string', optional: true });
  assert.equal(base.spec, { name: 'value', type: 'string' });
  assert.equal(block('get', str('encoding'), integer('offset')).token('GET').opt.manyTokens.spec.multipleToken, true);
  assert.equal(key('dest', 1).spec, { name: 'dest', type: 'key', keySpecIndex: 1 });
  assert.equal(tok('CH', 'change').spec, { name: 'change', type: 'pure-token', token: 'CH' });
});

test('every row: key arguments point at a key spec, history and deprecation are complete', () => {
  const walk = (args: readonly ArgSpec[], c: Command): void => {
    for (const a of args) {
      if (a.type === 'key') assert.ok(a.keySpecIndex! < keySpecsOf(c).length, `${c.fullname}: ${a.name}`);
      if (a.arguments) walk(a.arguments, c);
    }
  };
  for (const c of commands) {
    walk((c.args ?? []).map((a) => a.spec), c);
    for (const [version, change] of c.history ?? []) assert.ok(/^\d+\.\d+\.\d+$/.test(version) && change.length > 0, c.fullname);
    if (c.docFlags?.includes('deprecated')) assert.ok(c.deprecatedSince && c.replacedBy, c.fullname);
  }
});

test.run();
