/**
 * A command's usage line (`key value [NX | XX] [EX seconds | PX milliseconds]`) turned into a guess at the argument
 * tree COMMAND DOCS replies with, for rows that give a `syntax` instead of declaring `args` (docs.ts), which a line
 * cannot always match (oneof names, `since` per argument). The grammar: words, `[ ... ]` optional, `( ... )` and
 * `< ... >` grouping, `a | b` one of, `x [x ...]` (or `x ...`) repeated.
 */

export type ArgType = 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';
export type ArgFlag = 'optional' | 'multiple' | 'multiple_token';

export interface CommandArg {
  name: string;
  type: ArgType;
  token?: string;
  flags: ArgFlag[];
  arguments?: CommandArg[];
}

type Node =
  | { kind: 'word'; text: string }
  | { kind: 'group'; optional: boolean; alts: Node[][] }
  | { kind: 'ellipsis' };

export class SyntaxError_ extends Error {}

function tokenize(syntax: string): string[] {
  const out: string[] = [];
  const re = /\s*(\.\.\.|[[\]()<>|]|[^\s[\]()<>|]+)/y;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(syntax))) {
    out.push(m[1]);
    end = re.lastIndex;
  }
  if (syntax.slice(end).trim() !== '') throw new SyntaxError_(`cannot read syntax: ${syntax}`);
  return out;
}

const CLOSE: Record<string, string> = { '[': ']', '(': ')', '<': '>' };

/** Recursive descent: alternatives of sequences, up to the closing bracket `until` (or the end). */
function parseAlts(tokens: string[], pos: { i: number }, until: string | null): Node[][] {
  const alts: Node[][] = [[]];
  while (pos.i < tokens.length) {
    const t = tokens[pos.i++];
    if (t === until) return alts;
    if (t === '|') alts.push([]);
    else if (t === '...') alts[alts.length - 1].push({ kind: 'ellipsis' });
    else if (CLOSE[t]) alts[alts.length - 1].push({ kind: 'group', optional: t === '[', alts: parseAlts(tokens, pos, CLOSE[t]) });
    else if (t === ']' || t === ')' || t === '>') throw new SyntaxError_(`unbalanced '${t}'`);
    else alts[alts.length - 1].push({ kind: 'word', text: t });
  }
  if (until !== null) throw new SyntaxError_(`missing '${until}'`);
  return alts;
}

/** A literal keyword the client types as is: NX, KEEPTTL, WITHSCORES; `""` (MIGRATE's empty key) too. */
const isToken = (w: string) => /^[A-Z][A-Z0-9_-]*$/.test(w) || w === '""';

const render = (nodes: Node[]): string =>
  nodes.map((n) => (n.kind === 'word' ? n.text : n.kind === 'ellipsis' ? '...' : `[${n.alts.map(render).join('|')}]`)).join(' ');

/** The type a named argument most likely has, from the names Redis's own docs use. */
function typeOf(name: string): ArgType {
  const n = name.toLowerCase();
  if (/^(key|newkey|destkey|srckey|dstkey|source|destination|key-\w+)$/.test(n)) return 'key';
  if (n.includes('pattern')) return 'pattern';
  if (n.includes('unix-time')) return 'unix-time';
  if (/^(score|min|max|latitude|longitude|radius|width|height|increment-float)$/.test(n)) return 'double';
  if (/^(count|index\d*|start|end|stop|offset|timeout|seconds|milliseconds|db|destination-db|port|numkeys|increment|decrement|len|limit|cursor|protover|client-id|rank|ttl|samples|numreplicas|numlocal|maxlen|value-int|position)$/.test(n)) return 'integer';
  return 'string';
}

function wordArg(text: string, keyed: boolean): CommandArg {
  if (isToken(text)) return { name: text === '""' ? '' : text.toLowerCase(), type: 'pure-token', token: text === '""' ? '""' : text, flags: [] };
  const type = typeOf(text);
  return { name: text, type: type === 'key' && !keyed ? 'string' : type, flags: [] };
}

/**
 * Fold `x [x ...]` (and `x ...`) into one repeated item: the group after the items it repeats disappears and
 * those items are marked; a repeated token-led unit repeats its token too (multiple_token).
 */
function foldRepeats(seq: Node[]): { node: Node; multiple: boolean; multipleToken: boolean; unit?: Node[] }[] {
  const out: { node: Node; multiple: boolean; multipleToken: boolean; unit?: Node[] }[] = [];
  for (const node of seq) {
    if (node.kind === 'ellipsis') {
      const last = out[out.length - 1];
      if (last) last.multiple = true;
      continue;
    }
    if (node.kind === 'group' && node.optional && node.alts.length === 1) {
      const alt = node.alts[0];
      if (alt.length >= 2 && alt[alt.length - 1].kind === 'ellipsis') {
        const unit = alt.slice(0, -1);
        const k = unit.length;
        const before = out.slice(out.length - k).map((o) => o.node);
        if (before.length === k && render(before) === render(unit)) {
          out.splice(out.length - k, k);
          const multipleToken = unit[0].kind === 'word' && isToken(unit[0].text) && k > 1;
          out.push({ node: k === 1 ? unit[0] : { kind: 'group', optional: false, alts: [unit] }, multiple: true, multipleToken, unit });
          continue;
        }
      }
    }
    out.push({ node, multiple: false, multipleToken: false });
  }
  return out;
}

function withFlags(arg: CommandArg, ...flags: (ArgFlag | false)[]): CommandArg {
  for (const f of flags) if (f && !arg.flags.includes(f)) arg.flags.push(f);
  // Redis lists flags in this order
  const order: ArgFlag[] = ['optional', 'multiple', 'multiple_token'];
  arg.flags.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return arg;
}

type Item = ReturnType<typeof foldRepeats>[number];

const itemArg = (item: Item, keyed: boolean) =>
  withFlags(nodeArg(item.node, keyed), item.multiple && 'multiple', item.multipleToken && 'multiple_token');

/** One argument for a sequence that stands as a unit (a group's alternative): token-led, single, or a block. */
function unitArg(seq: Node[], keyed: boolean): CommandArg {
  const items = foldRepeats(seq);
  if (items.length === 1) return itemArg(items[0], keyed);
  const first = items[0];
  if (first.node.kind === 'word' && isToken(first.node.text) && !first.multiple) {
    const token = first.node.text;
    const rest = itemsArgs(items.slice(1), keyed, false);
    if (rest.length === 1 && rest[0].token === undefined) return { ...rest[0], token };
    return { name: token.toLowerCase(), type: 'block', token, flags: [], arguments: rest };
  }
  const args = itemsArgs(items, keyed, false);
  return { name: args[0]?.name ?? 'arguments', type: 'block', flags: [], arguments: args };
}

function nodeArg(node: Node, keyed: boolean): CommandArg {
  if (node.kind === 'word') return wordArg(node.text, keyed);
  if (node.kind === 'ellipsis') throw new SyntaxError_('stray ...');
  let arg: CommandArg;
  if (node.alts.length > 1) {
    const choices = node.alts.map((alt) => unitArg(alt, keyed));
    arg = { name: choices.map((c) => c.name).join('_'), type: 'oneof', flags: [], arguments: choices };
  } else {
    arg = unitArg(node.alts[0], keyed);
  }
  return node.optional ? withFlags(arg, 'optional') : arg;
}

/** A sequence's arguments; at the top level a keyword takes the one argument after it as its value. */
function itemsArgs(items: Item[], keyed: boolean, topLevel: boolean): CommandArg[] {
  const out: CommandArg[] = [];
  for (let i = 0; i < items.length; i++) {
    const arg = itemArg(items[i], keyed);
    const next = items[i + 1];
    if (topLevel && arg.type === 'pure-token' && !items[i].multiple && next && !next.multipleToken) {
      const value = itemArg(next, keyed);
      if (value.type !== 'pure-token' && value.token === undefined && !value.flags.includes('optional')) {
        out.push({ ...value, token: arg.token });
        i++;
        continue;
      }
    }
    out.push(arg);
  }
  return out;
}

/**
 * The argument tree for a usage line. `keyed`: the command has key arguments, so names like `key` are typed
 * as keys (COMMAND DOCS gives them a key_spec_index).
 */
export function parseSyntax(syntax: string, keyed = true): CommandArg[] {
  const tokens = tokenize(syntax);
  if (tokens.length === 0) return [];
  const alts = parseAlts(tokens, { i: 0 }, null);
  if (alts.length > 1) return [nodeArg({ kind: 'group', optional: false, alts }, keyed)];
  return itemsArgs(foldRepeats(alts[0]), keyed, true);
}
