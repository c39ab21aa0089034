/**
 * ACL users (acl.c): SHA-256 password hashes and selectors (allowed commands, read/write key patterns, channel
 * patterns), the rules that change them and their description back as rules, the permission check dispatch, EXEC
 * and scripts run, AUTH, the default user behind requirepass, `user` config lines and the ACL file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandTable } from '../commands';
import { cText, keyword } from '../commands/args';
import { ACL_CATEGORIES, aclCategories } from '../commands/command';
import { getKeysFromCommand, hasKeys } from '../commands/keyspecs';
import type { Command, KeyFlag, KeyRef } from '../commands/types';
import { compileGlob, type Glob } from '../store/glob';
import { AclLog, type AclLogContext, type AclLogReason } from './acl-log';
import { clientInfoLine, clientType } from './client-info';
import { ConfigError } from './config';
import { splitArgs } from './config-values';
import { FatalStartupError, strerror } from './persistence';
import { pubsubOf } from './pubsub';
import type { Client } from './client';
import type { Server } from './server';


/** A category's bit in a command's category mask, or 0 for an unknown name (compared as strcasecmp does). */
export function categoryBit(name: string): number {
  const upper = keyword(name);
  const i = ACL_CATEGORIES.findIndex((c) => c.toUpperCase() === upper);
  return i < 0 ? 0 : 1 << i;
}

// ---- command ids ----

/**
 * Every command and subcommand numbered (ACLGetCommandID), with its categories as a bit mask. The table is fixed
 * once loaded, so this is built on first use. One more bit than there are commands: the one only +@all sets,
 * Redis's reserved "commands added later" bit, which tells `+@all -x` from `-@all +every +other`.
 */
interface CommandIndex {
  commands: Command[];
  ids: Map<Command, number>;
  categories: Uint32Array;
  future: number;
}

let commandIndexCache: CommandIndex | null = null;

function commandIndex(): CommandIndex {
  if (commandIndexCache) return commandIndexCache;
  const commands = [...commandTable.everything()];
  const ids = new Map(commands.map((c, i) => [c, i] as const));
  const categories = new Uint32Array(commands.length);
  commands.forEach((c, i) => {
    for (const cat of aclCategories(c)) categories[i] |= categoryBit(cat);
  });
  commandIndexCache = { commands, ids, categories, future: commands.length };
  return commandIndexCache;
}

const idOf = (cmd: Command): number => commandIndex().ids.get(cmd)!;

/** ACL CAT <category>: its commands and subcommands, a container before its subcommands. */
export function commandsInCategory(bit: number): Command[] {
  const ix = commandIndex();
  return ix.commands.filter((_, id) => ix.categories[id] & bit);
}

/** ACLLookupCommand(): `name` or `container|sub`, case-insensitive; `get|x` is nothing (strict lookup). */
export function lookupAclCommand(name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = commandTable.get(parts[0]);
  if (parts.length === 1) return base;
  return base?.subs?.get(parts[1].toLowerCase());
}

/** ACLChangeSelectorPerm() on a bare bitmap: a container takes its subcommands along. */
function setCommandBits(bits: Uint8Array, cmd: Command, value: number): void {
  bits[idOf(cmd)] = value;
  if (cmd.subs) for (const sub of cmd.subs.values()) bits[idOf(sub)] = value;
}

/** Every command (and subcommand) in the category, each with its subcommands. */
function setCategoryBits(bits: Uint8Array, bit: number, value: number): void {
  const ix = commandIndex();
  for (let id = 0; id < ix.commands.length; id++) if (ix.categories[id] & bit) setCommandBits(bits, ix.commands[id], value);
}

// ---- rules ----

/** Why a rule was refused (the errno values of ACLSetUser), with ACLSetUserStringError()'s text. */
export type RuleError = keyof typeof RULE_ERRORS;

export const RULE_ERRORS = {
  syntax: 'Syntax error',
  unknown: 'Unknown command or category name in ACL',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicate: 'Duplicate user found. A user can only be defined once in config files',
  firstArgOfSubcommand: 'Allowing first-arg of a subcommand is not supported',
} as const;

/** What applying a rule needs from the server: acl-pubsub-default, and where to warn. */
export interface RuleContext {
  /** acl-pubsub-default is allchannels: a new selector starts with every channel. */
  pubsubAll: boolean;
  warn(text: string): void;
}

const READ = 1;
const WRITE = 2;
const READ_WRITE = READ | WRITE;

interface KeyPattern {
  readonly pattern: string;
  readonly glob: Glob;
  perms: number;
}

interface ChannelPattern {
  readonly pattern: string;
  readonly glob: Glob;
}

/** ACLStringHasSpaces(): usernames and patterns may hold no whitespace (isspace) and no NUL byte. */
export function hasSpaces(s: string): boolean {
  return /[ \t\n\v\f\r\0]/.test(s);
}

export const sha256Hex = (text: string): string => createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex');

/** ACLCheckPasswordHash(): 64 lowercase hex digits. */
const isPasswordHash = (s: string) => /^[0-9a-f]{64}$/.test(s);

/** strcasecmp(a, b) == 0. */
const sameText = (a: string, b: string) => keyword(a) === keyword(b);

/**
 * One set of permissions (aclSelector): a command may run when one selector allows the command and all of its keys
 * and channels. `allowed` is the command bitmap indexed by command id.
 */
export class Selector {
  allKeys = false;
  allCommands = false;
  allChannels: boolean;
  allowed: Uint8Array;
  /** Command id → first arguments allowed for an otherwise denied command (`+select|0`). */
  firstArgs: Map<number, string[]> | null = null;
  keys: KeyPattern[] = [];
  channels: ChannelPattern[] = [];

  constructor(allChannels: boolean) {
    this.allChannels = allChannels;
    this.allowed = new Uint8Array(commandIndex().future + 1);
  }

  clone(): Selector {
    const s = new Selector(this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.allowed = this.allowed.slice();
    s.firstArgs = this.firstArgs && new Map([...this.firstArgs].map(([id, args]) => [id, [...args]]));
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channels = [...this.channels];
    return s;
  }

  /** ACLSetSelector(): apply one rule; the reason it is refused, or null. */
  apply(op: string, ctx: RuleContext): RuleError | null {
    const word = keyword(op);
    if (word === 'ALLKEYS' || word === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (word === 'RESETKEYS') {
      this.allKeys = false;
      this.keys = [];
    } else if (word === 'ALLCHANNELS' || word === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (word === 'RESETCHANNELS') {
      this.allChannels = false;
      this.channels = [];
    } else if (word === 'ALLCOMMANDS' || word === '+@ALL') {
      this.allowed.fill(1); // the reserved bit too: commands added later are allowed
      this.allCommands = true;
      this.firstArgs = null;
    } else if (word === 'NOCOMMANDS' || word === '-@ALL') {
      this.allowed.fill(0);
      this.allCommands = false;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      return this.addKeyPattern(op);
    } else if (op[0] === '&') {
      return this.addChannelPattern(op);
    } else if (op[0] === '+' && op[1] !== '@') {
      return this.allowCommand(cText(op).slice(1), ctx);
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = lookupAclCommand(cText(op).slice(1));
      if (!cmd) return 'unknown';
      this.changeCommand(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(op.slice(2));
      if (!bit) return 'unknown';
      this.changeCategory(bit, op[0] === '+');
    } else {
      return 'syntax';
    }
    return null;
  }

  /** ~pattern, %R~pattern, %W~pattern, %RW~pattern: a pattern already there gains the new permissions. */
  private addKeyPattern(op: string): RuleError | null {
    if (this.allKeys) return 'keysAfterAll';
    let perms = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const c = op[offset];
        if ((c === 'R' || c === 'r') && !(perms & READ)) perms |= READ;
        else if ((c === 'W' || c === 'w') && !(perms & WRITE)) perms |= WRITE;
        else if (c === '~') {
          offset++;
          break;
        } else return 'syntax';
      }
      // the installed 7.0.15 refuses a pattern that grants nothing (`%~x`, `%`)
      if (perms === 0) return 'syntax';
    } else {
      perms = READ_WRITE;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return 'syntax';
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing) existing.perms |= perms;
    else this.keys.push({ pattern, glob: compileGlob(pattern), perms });
    this.allKeys = false;
    return null;
  }

  private addChannelPattern(op: string): RuleError | null {
    if (this.allChannels) return 'channelsAfterAll';
    const pattern = op.slice(1);
    if (hasSpaces(pattern)) return 'syntax';
    if (!this.channels.some((c) => c.pattern === pattern)) this.channels.push({ pattern, glob: compileGlob(pattern) });
    return null;
  }

  /** +command, +container|sub, or +command|first-arg for a command without subcommands. */
  private allowCommand(name: string, ctx: RuleContext): RuleError | null {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = lookupAclCommand(name);
      if (!cmd) return 'unknown';
      this.changeCommand(cmd, true);
      return null;
    }
    const cmd = lookupAclCommand(name.slice(0, bar));
    const sub = name.slice(bar + 1);
    if (!cmd) return 'unknown';
    if (cmd.parent) return 'firstArgOfSubcommand';
    if (sub === '') return 'syntax';
    if (cmd.subs) {
      const subcommand = lookupAclCommand(name);
      if (!subcommand) return 'unknown';
      this.changeCommand(subcommand, true);
      return null;
    }
    ctx.warn(`Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +${name})`);
    const id = idOf(cmd);
    this.firstArgs ??= new Map();
    const list = this.firstArgs.get(id) ?? [];
    if (!list.some((a) => sameText(a, sub))) list.push(sub);
    this.firstArgs.set(id, list);
    return null;
  }

  /** ACLChangeSelectorPerm(): clearing any bit means the selector no longer has every command. */
  private changeCommand(cmd: Command, allow: boolean): void {
    setCommandBits(this.allowed, cmd, allow ? 1 : 0);
    this.firstArgs?.delete(idOf(cmd));
    if (!allow) this.allCommands = false;
  }

  private changeCategory(bit: number, allow: boolean): void {
    const ix = commandIndex();
    for (let id = 0; id < ix.commands.length; id++) if (ix.categories[id] & bit) this.changeCommand(ix.commands[id], allow);
  }

  /** ACLDescribeSelector(): keys, channels, then the command rules. */
  describe(): string {
    let s = '';
    if (this.allKeys) s += '~* ';
    else for (const k of this.keys) s += `${keyPatternText(k)} `;
    if (this.allChannels) s += '&* ';
    else {
      s += 'resetchannels ';
      for (const c of this.channels) s += `&${c.pattern} `;
    }
    return s + describeCommandRules(this);
  }

  /** ACL GETUSER's `keys` field. */
  keysText(): string {
    return this.allKeys ? '~*' : this.keys.map(keyPatternText).join(' ');
  }

  /** ACL GETUSER's `channels` field. */
  channelsText(): string {
    return this.allChannels ? '&*' : this.channels.map((c) => `&${c.pattern}`).join(' ');
  }
}

function keyPatternText(k: KeyPattern): string {
  const prefix = k.perms === READ_WRITE ? '~' : k.perms === READ ? '%R~' : '%W~';
  return prefix + k.pattern;
}

/**
 * ACLDescribeSelectorCommandRules(): rules that rebuild the bitmap, starting from +@all when the reserved bit is
 * set (else -@all), then the categories that fit best one after the other, then single commands and first args.
 * Each rule is applied to a scratch bitmap as it is emitted, so later rules only fix what is still different.
 */
export function describeCommandRules(sel: Selector): string {
  const ix = commandIndex();
  const user = sel.allowed;
  const additive = user[ix.future] === 0;
  const rules = [additive ? '-@all' : '+@all'];
  const fake = new Uint8Array(user.length).fill(additive ? 0 : 1);
  const temp = user.slice();
  const applied = new Set<number>();
  for (;;) {
    let best = -1;
    let mindiff = Infinity;
    let maxsame = 0;
    for (let j = 0; j < ACL_CATEGORIES.length; j++) {
      if (applied.has(j)) continue;
      let on = 0;
      let off = 0;
      for (let id = 0; id < ix.commands.length; id++) {
        if (ix.categories[id] & (1 << j)) {
          if (temp[id]) on++;
          else off++;
        }
      }
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
        best = j;
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    setCategoryBits(fake, 1 << best, additive ? 1 : 0);
    setCategoryBits(temp, 1 << best, additive ? 0 : 1);
    rules.push(`${additive ? '+' : '-'}@${ACL_CATEGORIES[best]}`);
    applied.add(best);
  }
  // a container comes before its subcommands, so its rule is emitted (and applied) first
  for (let id = 0; id < ix.commands.length; id++) {
    const cmd = ix.commands[id];
    if (user[id] !== fake[id]) {
      rules.push(`${user[id] ? '+' : '-'}${cmd.fullname}`);
      setCommandBits(fake, cmd, user[id]);
    }
    const firsts = sel.firstArgs?.get(id);
    if (!user[id] && firsts) for (const arg of firsts) rules.push(`+${cmd.fullname}|${arg}`);
  }
  return rules.join(' ');
}

/** One ACL user (the user struct): its flags, password hashes and selectors, the root one first. */
export class User {
  enabled = false;
  nopass = false;
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  passwords: string[] = [];
  selectors: Selector[];

  constructor(
    readonly name: string,
    pubsubAll: boolean,
  ) {
    this.selectors = [new Selector(pubsubAll)];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  /** Every command, key and channel: dispatch skips the check (the default user, unless restricted). */
  get unrestricted(): boolean {
    const r = this.selectors[0];
    return r.allCommands && r.allKeys && r.allChannels;
  }

  /** ACLCopyUser(): the rules of `other`, under this user's name. */
  copyFrom(other: User): void {
    this.enabled = other.enabled;
    this.nopass = other.nopass;
    this.sanitize = other.sanitize;
    this.passwords = [...other.passwords];
    this.selectors = other.selectors.map((s) => s.clone());
  }

  /** ACLSetUser(): apply one rule; the reason it is refused, or null. */
  apply(op: string, ctx: RuleContext): RuleError | null {
    if (op === '') return null;
    const word = keyword(op);
    if (word === 'ON') this.enabled = true;
    else if (word === 'OFF') this.enabled = false;
    else if (word === 'SKIP-SANITIZE-PAYLOAD') this.sanitize = 'skip-sanitize-payload';
    else if (word === 'SANITIZE-PAYLOAD') this.sanitize = 'sanitize-payload';
    else if (word === 'NOPASS') {
      this.nopass = true;
      this.passwords = [];
    } else if (word === 'RESETPASS') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      const hash = op[0] === '>' ? sha256Hex(op.slice(1)) : op.slice(1);
      if (op[0] === '#' && !isPasswordHash(hash)) return 'badHash';
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      const hash = op[0] === '<' ? sha256Hex(op.slice(1)) : op.slice(1);
      if (op[0] === '!' && !isPasswordHash(hash)) return 'badHash';
      const i = this.passwords.indexOf(hash);
      if (i < 0) return 'noSuchPassword';
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      // the words inside are split the way redis.conf splits a line; unbalanced quotes leave none
      const selector = new Selector(ctx.pubsubAll);
      for (const rule of splitArgs(op.slice(1, -1)) ?? []) {
        const err = selector.apply(rule, ctx);
        if (err) return err;
      }
      this.selectors.push(selector);
    } else if (word === 'CLEARSELECTORS') {
      this.selectors.length = 1;
    } else if (word === 'RESET') {
      for (const rule of ['resetpass', 'resetkeys', 'resetchannels', ...(ctx.pubsubAll ? ['allchannels'] : []), 'off', 'sanitize-payload', 'clearselectors', '-@all']) {
        this.apply(rule, ctx);
      }
    } else {
      return this.root.apply(op, ctx);
    }
    return null;
  }

  /** ACLDescribeUser(): the rules that recreate the user, as ACL LIST and the ACL file show them. */
  describe(): string {
    let s = this.enabled ? 'on ' : 'off ';
    if (this.nopass) s += 'nopass ';
    if (this.sanitize) s += `${this.sanitize} `;
    for (const p of this.passwords) s += `#${p} `;
    s += this.root.describe();
    for (const sel of this.selectors.slice(1)) s += ` (${sel.describe()})`;
    return s;
  }
}

/**
 * ACLMergeSelectorArguments(): a selector may be spread over several arguments, `(+get` `~key)`; they are joined
 * with spaces. Returns the rules, or the index of a `(` that is never closed.
 */
export function mergeSelectorArguments(args: readonly string[]): { rules: string[] } | { unmatched: number } {
  const rules: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ` ${cText(op)}`;
      if (op[op.length - 1] === ')') {
        open = -1;
        rules.push(selector);
      }
      continue;
    }
    rules.push(op);
  }
  return open !== -1 ? { unmatched: open } : { rules };
}

// ---- permission checks ----

/** Why a command was denied: the command itself, or the key or channel at argv[pos]. */
export interface AclDenial {
  reason: 'command' | 'key' | 'channel';
  pos: number;
}

/** ACL_DENIED_*: when no selector allows the command, the denial of the highest kind is reported. */
const RANK = { command: 1, key: 2, channel: 4 } as const;

/** The channels a Pub/Sub command names (getChannelsFromCommand), for the commands ACLs restrict. */
function channelArgs(cmd: Command, argc: number): { from: number; to: number; pattern: boolean } | null {
  switch (cmd.fullname) {
    case 'publish':
    case 'spublish':
      return { from: 1, to: Math.min(2, argc), pattern: false };
    case 'subscribe':
    case 'ssubscribe':
      return { from: 1, to: argc, pattern: false };
    case 'psubscribe':
      return { from: 1, to: argc, pattern: true };
    default:
      return null;
  }
}

/** ACLSelectorCheckKey(): a key needs a pattern granting every permission its key spec implies. */
function keyAllowed(s: Selector, key: string, flags: readonly KeyFlag[]): boolean {
  let need = 0;
  for (const f of flags) {
    if (f === 'access') need |= READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') need |= WRITE;
  }
  for (const p of s.keys) if ((p.perms & need) === need && p.glob.test(key)) return true;
  return false;
}

/**
 * ACLCheckChannelAgainstList(): a channel matches the patterns as a glob; a PSUBSCRIBE pattern only matches a
 * pattern that is literally the same.
 */
function channelAllowed(list: readonly ChannelPattern[], channel: string, isPattern: boolean): boolean {
  if (isPattern) {
    const literal = cText(channel);
    return list.some((p) => cText(p.pattern) === literal);
  }
  return list.some((p) => p.glob.test(channel));
}

/** ACLSelectorCheckCmd(): null when the selector allows the call. */
function selectorDenial(s: Selector, cmd: Command, argv: readonly string[], keys: () => KeyRef[]): AclDenial | null {
  if (!s.allCommands && !cmd.flags.includes('no_auth')) {
    const id = idOf(cmd);
    if (!s.allowed[id]) {
      const firsts = s.firstArgs?.get(id);
      const arg = argv[cmd.parent ? 2 : 1];
      if (argv.length < 2 || !firsts || arg === undefined || !firsts.some((f) => sameText(f, arg))) {
        return { reason: 'command', pos: 0 };
      }
    }
  }
  if (!s.allKeys && hasKeys(cmd)) {
    for (const k of keys()) if (!keyAllowed(s, argv[k.pos], k.flags)) return { reason: 'key', pos: k.pos };
  }
  if (!s.allChannels) {
    const ch = channelArgs(cmd, argv.length);
    if (ch) {
      for (let i = ch.from; i < ch.to; i++) if (!channelAllowed(s.channels, argv[i], ch.pattern)) return { reason: 'channel', pos: i };
    }
  }
  return null;
}

/**
 * ACLCheckAllUserCommandPerm(): null when some selector allows `argv`, else the denial to report: the command
 * when no selector allows it, otherwise the last key or channel no selector could match. A null user (the master
 * link, the AOF) may run anything.
 */
export function commandDenial(user: User | null, cmd: Command, argv: readonly string[]): AclDenial | null {
  if (user === null || user.unrestricted) return null;
  let keys: KeyRef[] | null = null;
  const keysOnce = () => (keys ??= getKeysFromCommand(cmd, argv));
  let worst: AclDenial = { reason: 'command', pos: 0 };
  for (const s of user.selectors) {
    const d = selectorDenial(s, cmd, argv, keysOnce);
    if (d === null) return null;
    if (RANK[d.reason] > RANK[worst.reason] || (d.reason === worst.reason && d.pos > worst.pos)) worst = d;
  }
  return worst;
}

/** redis.acl_check_cmd(): may this user run this command line? */
export function userMayRun(user: User | null, cmd: Command, argv: readonly string[]): boolean {
  return commandDenial(user, cmd, argv) === null;
}

/**
 * ACLUserCheckCmdWithUnrestrictedKeyAccess(): some selector allows the command and grants `flags`' access to every
 * key (allkeys, or a `*` pattern with those permissions): what SORT's BY and GET patterns need.
 */
export function hasUnrestrictedKeyAccess(user: User | null, cmd: Command, argv: readonly string[], flags: readonly KeyFlag[]): boolean {
  if (user === null) return true;
  let keys: KeyRef[] | null = null;
  const keysOnce = () => (keys ??= getKeysFromCommand(cmd, argv));
  let need = 0;
  for (const f of flags) {
    if (f === 'access') need |= READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') need |= WRITE;
  }
  return user.selectors.some((s) =>
    selectorDenial(s, cmd, argv, keysOnce) === null &&
    (s.allKeys || s.keys.some((p) => (p.perms & need) === need && p.pattern === '*')));
}

/** getAclErrorMessage(): how a script's denied command is explained. */
const SCRIPT_REASON: Record<AclDenial['reason'], string> = {
  command: "can't run this command or subcommand",
  key: "can't access at least one of the keys mentioned in the command arguments",
  channel: "can't publish to the channel mentioned in the command",
};

/** execCommand()'s reasons when a queued command is no longer allowed at EXEC. */
const EXEC_REASON: Record<AclDenial['reason'], string> = {
  command: 'no permission to execute the command or subcommand',
  key: 'no permission to touch the specified keys',
  channel: 'no permission to access one of the channels used as arguments',
};

/** processCommand()'s NOPERM errors. */
function nopermText(denial: AclDenial, cmd: Command): string {
  if (denial.reason === 'command') return `NOPERM this user has no permissions to run the '${cmd.fullname}' command`;
  if (denial.reason === 'key') return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/**
 * processCommand()'s check, for a client whose user is not unrestricted (dispatch tests that first, so the default
 * user costs nothing): null to go on, else the NOPERM error to reject with. The denial goes to the ACL LOG.
 */
export function dispatchDenial(server: Server, client: Client, cmd: Command, argv: readonly string[]): string | null {
  const denial = commandDenial(client.user, cmd, argv);
  if (denial === null) return null;
  aclOf(server).logDenial(client, denial, client.mode === 'multi' ? 'multi' : 'toplevel', cmd, argv);
  return nopermText(denial, cmd);
}

/** execCommand()'s second look at each queued command: the ACL may have changed since it was queued. */
export function execDenial(server: Server, client: Client, cmd: Command, argv: readonly string[]): string | null {
  const denial = commandDenial(client.user, cmd, argv);
  if (denial === null) return null;
  aclOf(server).logDenial(client, denial, 'multi', cmd, argv);
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${EXEC_REASON[denial.reason]}`;
}

/**
 * scriptVerifyACL(): a command a script runs is checked against the user of the client that called the script;
 * null to go on, else the error text redis.call raises (logged with context lua, and the caller's client info).
 */
export function scriptDenial(
  server: Server, caller: Client, callerArgv: readonly string[], cmd: Command, argv: readonly string[],
): string | null {
  const denial = commandDenial(caller.user, cmd, argv);
  if (denial === null) return null;
  // the log's client info shows the caller running its EVAL / FCALL, as Redis's does
  const fullname = commandTable.lookup(callerArgv)?.fullname ?? callerArgv[0].toLowerCase();
  aclOf(server).logDenial(caller, denial, 'lua', cmd, argv, { argv: callerArgv, fullname });
  return `The user executing the script ${SCRIPT_REASON[denial.reason]}`;
}

// ---- the users of one server ----

const acls = new WeakMap<Server, Acl>();

/** The server's ACL state, created on first use with the default user. */
export function aclOf(server: Server): Acl {
  let acl = acls.get(server);
  if (!acl) {
    acl = new Acl(server);
    acls.set(server, acl);
  }
  return acl;
}

/** GENPASS_MAX_BITS */
export const GENPASS_MAX_BITS = 4096;

/** getRandomHexChars(): `chars` random hex digits. */
export function randomHexChars(chars: number): string {
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

export class Acl {
  /** Users by name; listings sort them by bytes, as Redis's radix tree orders them. */
  users = new Map<string, User>();
  /** The user every connection starts as. It stays the same object for its whole life (ACL LOAD copies into it). */
  readonly defaultUser: User;
  readonly log = new AclLog();
  /** `user` lines of the config file, checked when read and applied at startup (UsersToLoad). */
  private pending: string[][] = [];

  constructor(private readonly server: Server) {
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
    // requirepass only ever sets the default user's password; ACL SETUSER default may change it afterwards
    server.config.watch('requirepass', (pass) => {
      const ctx = this.ruleContext();
      this.defaultUser.apply('resetpass', ctx);
      this.defaultUser.apply(pass === '' ? 'nopass' : `>${pass}`, ctx);
    });
  }

  ruleContext(): RuleContext {
    return {
      pubsubAll: this.server.config.get('acl-pubsub-default') === 'allchannels',
      warn: (text) => this.server.log.warning(text),
    };
  }

  /** ACLCreateDefaultUser(): every command, key and channel, enabled, no password. */
  private createDefaultUser(): User {
    const u = new User('default', false);
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(rule, this.ruleContext());
    return u;
  }

  /** authRequired() for a client that has not authenticated: not when the default user is on and nopass. */
  get defaultRequiresAuth(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** clientSetDefaultAuth(): a new (or RESET) connection is the default user, authenticated if that needs nothing. */
  setDefaultAuth(client: Client): void {
    client.user = this.defaultUser;
    client.authenticated = !this.defaultRequiresAuth;
  }

  /** The `user` lines CONFIG REWRITE writes: every user, unless an ACL file holds them (null). */
  configLines(): string[] | null {
    if (this.hasAclFile) return null;
    return this.sortedUsers().map((u) => `user ${u.name} ${u.describe()}`);
  }

  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- authentication ----

  /** ACLCheckUserCredentials(). */
  checkCredentials(username: string, password: string): boolean {
    const u = this.users.get(username);
    if (!u || !u.enabled) return false;
    if (u.nopass) return true;
    return u.passwords.includes(sha256Hex(password));
  }

  /**
   * ACLAuthenticateUser(): on success the client becomes that user; a failure is logged (reason auth, the command
   * name as typed for object). `running` is the AUTH or HELLO doing it.
   */
  authenticate(client: Client, username: string, password: string, running: { argv: readonly string[]; command: { fullname: string } }): boolean {
    if (this.checkCredentials(username, password)) {
      client.authenticated = true;
      client.user = this.users.get(username)!;
      return true;
    }
    const { argv, command } = running;
    this.addLogEntry(client, 'auth', client.mode === 'multi' ? 'multi' : 'toplevel', argv[0], username, { client, argv, fullname: command.fullname });
    return false;
  }

  // ---- the log ----

  /** `running` is the client's own command line when it differs from the denied one (a script's caller's EVAL). */
  logDenial(
    client: Client, denial: AclDenial, context: AclLogContext, cmd: Command, argv: readonly string[],
    running: { argv: readonly string[]; fullname: string } = { argv, fullname: cmd.fullname },
  ): void {
    const object = denial.reason === 'command' ? cmd.fullname : argv[denial.pos];
    this.addLogEntry(client, denial.reason, context, object, client.user?.name ?? '', { client, ...running });
  }

  private addLogEntry(
    client: Client, reason: AclLogReason, context: AclLogContext, object: string, username: string,
    running?: { client: Client; argv: readonly string[]; fullname: string },
  ): void {
    const server = this.server;
    this.log.add(
      { reason, context, object, username, ctime: server.clock.now(), clientInfo: clientInfoLine(server, client, running) },
      server.config.getNumber('acllog-max-len'),
    );
  }

  // ---- changing users ----

  /**
   * ACL SETUSER (ACLStringSetUser): the rules are tried on a copy and applied only if all of them are valid, so a
   * bad rule changes nothing. Subscribers of the user who lost a channel are disconnected. Returns an error text.
   */
  setUser(name: string, args: readonly string[], self: Client | null): string | null {
    const merged = mergeSelectorArguments(args);
    if ('unmatched' in merged) return `ERR Unmatched parenthesis in acl selector starting at '${cText(args[merged.unmatched])}'.`;
    const ctx = this.ruleContext();
    const existing = this.users.get(name);
    const staged = new User(name, ctx.pubsubAll);
    if (existing) staged.copyFrom(existing);
    for (const op of merged.rules) {
      const err = staged.apply(op, ctx);
      if (err) return `ERR Error in ACL SETUSER modifier '${cText(op)}': ${RULE_ERRORS[err]}`;
    }
    if (existing) this.killPubsubClientsIfNeeded(staged, existing, self);
    const user = existing ?? new User(name, ctx.pubsubAll);
    user.copyFrom(staged);
    this.users.set(name, user);
    return null;
  }

  /** ACL DELUSER: the number deleted; their connections are closed. The default user is refused first. */
  deleteUsers(names: readonly string[], self: Client): number | string {
    // compared as C strings: "default\0x" is refused too
    if (names.some((n) => cText(n) === 'default')) return "ERR The 'default' user cannot be removed";
    let deleted = 0;
    for (const name of names) {
      const u = this.users.get(name);
      if (!u) continue;
      this.users.delete(name);
      this.freeUserAndKillClients(u, self);
      deleted++;
    }
    return deleted;
  }

  /**
   * ACLFreeUserAndKillClients(): a deleted user's connections fall back to an unauthenticated default user and are
   * closed; the one running this command gets its reply first.
   */
  private freeUserAndKillClients(u: User, self: Client | null): void {
    for (const c of [...this.server.clients.values()]) {
      if (c.user !== u) continue;
      c.user = this.defaultUser;
      c.authenticated = false;
      this.disconnect(c, self);
    }
  }

  private disconnect(c: Client, self: Client | null): void {
    this.server.closeClient(c, 'killed');
    if (c !== self) c.socket.destroy();
  }

  /**
   * ACLKillPubsubClientsIfNeeded(): when the new rules may allow fewer channels than the old ones, each subscriber
   * of the user is checked against every channel pattern of the new rules, and closed if one subscription is lost.
   */
  private killPubsubClientsIfNeeded(next: User, original: User, self: Client | null): void {
    if (next.selectors.some((s) => s.allChannels)) return;
    const upcoming = next.selectors.flatMap((s) => s.channels);
    const kept = new Set(upcoming.map((c) => c.pattern));
    const superset = original.selectors.every((s) => !s.allChannels && s.channels.every((c) => kept.has(c.pattern)));
    if (superset) return;
    const pubsub = pubsubOf(this.server);
    const lost = (subscribers: Map<string, Set<Client>>, c: Client, isPattern: boolean) => {
      for (const [name, clients] of subscribers) if (clients.has(c) && !channelAllowed(upcoming, name, isPattern)) return true;
      return false;
    };
    const patterns = new Map([...pubsub.patterns].map(([p, { clients }]) => [p, clients] as const));
    for (const c of [...this.server.clients.values()]) {
      if (c.user !== original || clientType(c) !== 'pubsub') continue;
      if (lost(patterns, c, true) || lost(pubsub.channels, c, false) || lost(pubsub.shardChannels, c, false)) this.disconnect(c, self);
    }
  }

  // ---- the ACL file and `user` lines ----

  /** `aclfile` as configured (error texts show it so), and where it is: relative to `dir`. */
  private aclFile(): { name: string; path: string } {
    const name = this.server.config.get('aclfile');
    return { name, path: path.resolve(this.server.config.get('dir'), name) };
  }

  get hasAclFile(): boolean {
    return this.server.config.get('aclfile') !== '';
  }

  /**
   * ACLLoadFromFile(): every line `user <name> <rules...>`, all or nothing. On success the users are replaced (the
   * default user keeps its identity and takes the file's rules, or the initial ones if the file has none) and the
   * connections of every other old user are closed. Returns null, or all the errors found in one line.
   */
  loadFromFile(self: Client | null): string | null {
    const file = this.aclFile();
    let text: string;
    try {
      text = readFileSync(file.path, 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${file.name}': ${strerror(e)}`;
    }
    const nul = text.indexOf('\0');
    if (nul >= 0) text = text.slice(0, nul); // read as a C string
    const ctx = this.ruleContext();
    const loaded = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ');
      const linenum = i + 1;
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${file.name}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${file.name}:${linenum}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (loaded.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
        continue;
      }
      const u = new User(argv[1], ctx.pubsubAll);
      loaded.set(argv[1], u);
      const merged = mergeSelectorArguments(argv.slice(2));
      if ('unmatched' in merged) {
        errors += `${file.name}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged.rules) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const err = u.apply(op, ctx);
        if (err === 'unknown') {
          errors += `${file.name}:${linenum}: Error in applying operation '${cText(op)}': ${RULE_ERRORS[err]}. `;
        } else if (err && !syntaxError) {
          // only the first: it may explain the ones that follow
          errors += `${file.name}:${linenum}: ${RULE_ERRORS[err]}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    this.defaultUser.copyFrom(loaded.get('default') ?? this.createDefaultUser());
    loaded.set('default', this.defaultUser);
    const old = this.users;
    this.users = loaded;
    for (const u of old.values()) if (u !== this.defaultUser) this.freeUserAndKillClients(u, self);
    return null;
  }

  /** ACLSaveToFile(): every user as a `user` line, written to a temp file then renamed over the ACL file. */
  saveToFile(): boolean {
    const file = this.aclFile();
    const content = this.sortedUsers().map((u) => `user ${u.name} ${u.describe()}\n`).join('');
    const tmp = `${file.path}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(tmp, content, { encoding: 'latin1', mode: 0o644 });
      renameSync(tmp, file.path);
      return true;
    } catch (e) {
      this.server.log.warning(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
      return false;
    }
  }

  /**
   * A `user <name> <rules...>` config directive (ACLAppendUserForLoading): checked against a scratch user now,
   * applied at startup. Unknown commands pass here, as they may come from modules; they fail at startup.
   */
  appendUserForLoading(words: readonly string[]): void {
    const argv = ['user', ...words];
    const fail = (index: number, err: RuleError): never => {
      throw new ConfigError(`Error in user declaration '${argv[index] ?? ''}': ${RULE_ERRORS[err]}`);
    };
    if (words.length < 1) throw new ConfigError('Bad directive or wrong number of arguments');
    if (this.pending.some((p) => p[0] === words[0])) fail(1, 'duplicate');
    const merged = mergeSelectorArguments(words.slice(1));
    if ('unmatched' in merged) return fail(merged.unmatched, 'syntax');
    const ctx = this.ruleContext();
    const scratch = new User('', ctx.pubsubAll);
    merged.rules.forEach((op, j) => {
      const err = scratch.apply(op, ctx);
      // Redis names argv[j] here, counting from the word `user`
      if (err && err !== 'unknown') fail(j, err);
    });
    this.pending.push([words[0], ...merged.rules]);
  }

  /**
   * ACLLoadUsersAtStartup(): the config file's users, then the ACL file. Either problem stops the server, logged
   * as Redis logs it; users in both places are refused.
   */
  loadUsersAtStartup(): void {
    const log = this.server.log;
    if (this.hasAclFile && this.pending.length) {
      log.warning('Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.');
      throw new FatalStartupError('users in both redis.conf and the ACL file');
    }
    const ctx = this.ruleContext();
    for (const [name, ...rules] of this.pending) {
      if (hasSpaces(name)) {
        log.warning('Spaces not allowed in ACL usernames');
        log.warning('Critical error while loading ACLs. Exiting.');
        throw new FatalStartupError('bad ACL username');
      }
      let u = this.users.get(name);
      if (u) {
        u.apply('reset', ctx); // only the default user can be there already
      } else {
        u = new User(name, ctx.pubsubAll);
        this.users.set(name, u);
      }
      for (const rule of rules) {
        const err = u.apply(rule, ctx);
        if (err) {
          log.warning(`Error loading ACL rule '${cText(rule)}' for the user named '${name}': ${RULE_ERRORS[err]}`);
          log.warning('Critical error while loading ACLs. Exiting.');
          throw new FatalStartupError('bad ACL rule');
        }
      }
      if (!u.enabled) {
        log.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
      }
    }
    this.pending = [];
    if (this.hasAclFile) {
      const errors = this.loadFromFile(null);
      if (errors !== null) {
        log.warning(`Aborting Redis startup because of ACL errors: ${errors}`);
        throw new FatalStartupError('ACL file errors');
      }
    }
  }
}
