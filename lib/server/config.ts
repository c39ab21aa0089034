/**
 * Configuration parameters as config.c keeps them: typed values with Redis 7.0's names, aliases, bounds and flags
 * (the table is config-params.ts), set from the command line and config file at startup and by CONFIG SET at run
 * time (all or nothing, with Redis's errors and rollback), listed by CONFIG GET, and written back by CONFIG REWRITE.
 * Values are kept as CONFIG GET prints them. A parameter toyredis does not act on is still stored and echoed.
 */
import { readFileSync, writeFileSync, renameSync, unlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  asSigned64, asUnsigned64, enumError, enumName, enumValue, formatMemoryForFile, memToU64, parseLongLong, quoteRepr,
  splitArgs, splitSpaces, strtoll, type EnumTable, type Parsed, U64,
} from './config-values';

export type ParamType = 'bool' | 'string' | 'enum' | 'numeric' | 'special';

/**
 * config.c's per-parameter flags: `immutable` (startup only), `sensitive` (redacted from logs), `debug`,
 * `multiArg` (the value is several words), `hidden` (only listed when asked for by exact name), `protected`
 * (settable only when enable-protected-configs allows), `denyLoading` (not while loading a dataset).
 */
export type ParamFlag = 'immutable' | 'sensitive' | 'debug' | 'multiArg' | 'hidden' | 'protected' | 'denyLoading';

/** The C type behind a numeric parameter: it decides how bounds compare (unsigned types compare as unsigned). */
export type NumericKind = 'int' | 'uint' | 'long' | 'ulong' | 'llong' | 'ullong' | 'size' | 'ssize' | 'time' | 'off';

export interface ParamSpec {
  name: string;
  alias?: string;
  type: ParamType;
  flags: readonly ParamFlag[];
  /** The default, spelled as CONFIG GET prints it. */
  default: string;
  /** string: an empty value means "not set" (not written by CONFIG REWRITE). */
  emptyIsNull?: boolean;
  /** enum: names and values. */
  values?: EnumTable;
  /** numeric: the C type, inclusive bounds, and how the text may be written. */
  kind?: NumericKind;
  min?: bigint;
  max?: bigint;
  memory?: boolean;
  percent?: boolean;
  octal?: boolean;
  /** An extra check after parsing (config.c's is_valid_fn): an error text, or null when fine. */
  validate?: (printed: string) => string | null;
  /** What the server does with an accepted value before storing it (hz is capped to 1..500). */
  adjust?: (printed: string) => string;
  /** special: words → canonical printed value (or error). `current` is the value now; `startup` is config-file mode. */
  parse?: (args: readonly string[], current: string, startup: { first: boolean } | null) => Parsed;
  /** special: whether a successful set counts as a change even when the printed value is the same. */
  alwaysChanged?: boolean;
  /** special: how CONFIG GET shows the stored value, when that loses something the server must keep. */
  show?: (stored: string) => string;
  /** special: the config-file lines (without the name) for CONFIG REWRITE, each with whether it must be written. */
  fileLines?: (printed: string, spec: ParamSpec) => { line: string; force: boolean }[];
}

export class ConfigError extends Error {}

/** Applies a changed parameter to the running server; returns an error text to refuse (CONFIG SET rolls back). */
export type Applier = (value: string) => string | null | Promise<string | null>;

/** What CONFIG SET needs to know about the caller and the server. */
export interface SetContext {
  loading?: boolean;
  /** enable-protected-configs allows this client (yes, or local and the client is local). */
  protectedAllowed?: boolean;
}

const has = (spec: ParamSpec, flag: ParamFlag) => spec.flags.includes(flag);
const GLOB_CHARS = /[[*?]/;

export class Config {
  private values = new Map<string, string>();
  /** Lower-case name or alias → [spec, the name this entry goes by]. */
  private byName = new Map<string, { spec: ParamSpec; name: string }>();
  private listeners = new Map<string, ((value: string) => void)[]>();
  private appliers = new Map<string, Applier>();
  /** Config-file mode: the first `save` line replaces the defaults, later ones add to it. */
  private startupSave = { first: true };

  constructor(readonly specs: readonly ParamSpec[]) {
    for (const spec of specs) {
      this.byName.set(spec.name, { spec, name: spec.name });
      if (spec.alias) this.byName.set(spec.alias, { spec, name: spec.alias });
      this.values.set(spec.name, spec.default);
    }
  }

  /** The parameter for a name or alias (case-insensitive), if any. */
  spec(name: string): ParamSpec | undefined {
    return this.byName.get(name.toLowerCase())?.spec;
  }

  /** The canonical printed value. */
  get(name: string): string {
    const spec = this.spec(name);
    if (!spec) throw new ConfigError(`unknown parameter '${name}'`);
    return this.values.get(spec.name)!;
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  getNumber(name: string): number {
    return Number(this.get(name));
  }

  /** Run `fn` now and whenever the parameter changes (how the server follows live settings). */
  watch(name: string, fn: (value: string) => void): void {
    const spec = this.spec(name)!;
    const list = this.listeners.get(spec.name) ?? [];
    list.push(fn);
    this.listeners.set(spec.name, list);
    fn(this.values.get(spec.name)!);
  }

  /**
   * Make CONFIG SET of a parameter act on the server (config.c's apply functions). The applier may refuse with an
   * error text; then everything the same CONFIG SET changed is rolled back.
   */
  onApply(name: string, fn: Applier): void {
    this.appliers.set(this.spec(name)!.name, fn);
  }

  /** Validate and normalise words for a parameter without storing them. */
  check(name: string, args: readonly string[], startup = false): string {
    const entry = this.byName.get(name.toLowerCase());
    if (!entry) throw new ConfigError(`unknown parameter '${name}'`);
    const r = this.parse(entry.spec, args, startup);
    if ('error' in r) throw new ConfigError(r.error);
    return r.value;
  }

  /**
   * A directive from the config file or the command line (`name value...`, value words joined by spaces):
   * immutable parameters are allowed, a multi-word value is split like redis.conf splits it.
   */
  setAtStartup(name: string, value: string): void {
    const entry = this.byName.get(name.toLowerCase());
    if (!entry) {
      if (DEPRECATED_DIRECTIVES.has(name.toLowerCase())) return;
      throw new ConfigError('Bad directive or wrong number of arguments');
    }
    const { spec } = entry;
    let args: readonly string[] = [value];
    if (has(spec, 'multiArg') && value !== '') {
      const words = splitArgs(value);
      if (words === null) throw new ConfigError('Unbalanced quotes in configuration line');
      args = words;
    }
    const r = this.parse(spec, args, true);
    if ('error' in r) throw new ConfigError(r.error);
    this.store(spec, spec.adjust ? spec.adjust(r.value) : r.value);
  }

  /** A startup directive by another name: what the command line, config files and embedding code use. */
  set(name: string, value: string): void {
    this.setAtStartup(name, value);
  }

  /**
   * CONFIG SET name value [name value ...]: all or nothing. Returns null on success, else the error reply text
   * exactly as configSetCommand() words it (the first problem found, in its order of checks); a Promise of that
   * when applying a value has to wait for the network (port, bind).
   */
  setMany(pairs: readonly (readonly [string, string])[], ctx: SetContext = {}): string | null | Promise<string | null> {
    const entries: { spec: ParamSpec; name: string; value: string }[] = [];
    let unknownName: string | null = null;
    let errText: string | null = null;
    let errName = '';
    let invalid = false, denyLoading = false;
    const seen = new Set<string>();
    for (const [name, value] of pairs) {
      const entry = this.byName.get(name.toLowerCase());
      if (!entry) {
        if (!invalid) {
          unknownName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      const { spec } = entry;
      if (has(spec, 'immutable') || (has(spec, 'protected') && !ctx.protectedAllowed)) {
        errText = has(spec, 'immutable') ? "can't set immutable config" : "can't set protected config";
        errName = name;
        invalid = true;
        continue;
      }
      if (ctx.loading && has(spec, 'denyLoading')) {
        denyLoading = invalid = true;
        continue;
      }
      // Redis compares table entries, and an alias is an entry of its own: `a x alias-of-a y` is not a duplicate
      if (seen.has(entry.name)) {
        errText = 'duplicate parameter';
        errName = name;
        invalid = true;
      }
      seen.add(entry.name);
      entries.push({ spec, name: entry.name, value });
    }
    if (invalid) {
      if (denyLoading) return 'LOADING Redis is loading the dataset in memory';
      if (unknownName !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${unknownName}'`;
      return `ERR CONFIG SET failed (possibly related to argument '${errName}') - ${errText}`;
    }

    const backup = new Map<string, string>();
    for (const e of entries) if (!backup.has(e.spec.name)) backup.set(e.spec.name, this.values.get(e.spec.name)!);
    const restore = () => {
      for (const [name, value] of backup) this.values.set(name, value);
    };
    const toApply: ParamSpec[] = [];
    for (const e of entries) {
      const args = has(e.spec, 'multiArg') ? splitSpaces(e.value) : [e.value];
      const r = this.parse(e.spec, args, false);
      if ('error' in r) {
        restore();
        return `ERR CONFIG SET failed (possibly related to argument '${e.name}') - ${r.error}`;
      }
      const value = e.spec.adjust ? e.spec.adjust(r.value) : r.value;
      const changed = e.spec.alwaysChanged || value !== this.values.get(e.spec.name);
      this.values.set(e.spec.name, value);
      if (changed && !toApply.includes(e.spec)) toApply.push(e.spec);
    }
    return this.applyAll(toApply, entries, restore);
  }

  /**
   * Run the appliers of the changed parameters in order. On the first refusal the old values come back, the
   * appliers that already ran are run again with them, and the error names the parameter. An applier that has
   * to wait (listening on a new port) makes the whole result a Promise.
   */
  private applyAll(toApply: ParamSpec[], entries: { spec: ParamSpec; name: string }[], restore: () => void): string | null | Promise<string | null> {
    const fail = (spec: ParamSpec, err: string, redo: (s: ParamSpec) => unknown) => {
      restore();
      for (const done of toApply) {
        if (done === spec) break;
        redo(done);
      }
      const name = entries.find((e) => e.spec === spec)!.name;
      return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${err}`;
    };
    for (let i = 0; i < toApply.length; i++) {
      const spec = toApply[i];
      const result = this.appliers.get(spec.name)?.(this.values.get(spec.name)!) ?? null;
      if (result instanceof Promise) return this.applyAsync(toApply, i, result, fail);
      if (result !== null) return fail(spec, result, (s) => this.appliers.get(s.name)?.(this.values.get(s.name)!));
    }
    for (const spec of toApply) this.notify(spec);
    return null;
  }

  private async applyAsync(
    toApply: ParamSpec[], from: number, pending: Promise<string | null>,
    fail: (spec: ParamSpec, err: string, redo: (s: ParamSpec) => unknown) => string,
  ): Promise<string | null> {
    const redone: Promise<unknown>[] = [];
    const redo = (s: ParamSpec) => redone.push(Promise.resolve(this.appliers.get(s.name)?.(this.values.get(s.name)!)));
    for (let i = from; i < toApply.length; i++) {
      const spec = toApply[i];
      const result = i === from ? await pending : await (this.appliers.get(spec.name)?.(this.values.get(spec.name)!) ?? null);
      if (result !== null) {
        const err = fail(spec, result, redo);
        await Promise.all(redone);
        return err;
      }
    }
    for (const spec of toApply) this.notify(spec);
    return null;
  }

  /**
   * CONFIG GET patterns: a name without glob characters is looked up directly (hidden parameters too) and answered
   * under the name as given; a pattern lists every non-hidden name and alias it matches, case-insensitively.
   */
  lookup(patterns: readonly string[], match: (pattern: string, name: string) => boolean): [string, string][] {
    const out = new Map<string, string>();
    for (const pattern of patterns) {
      if (!GLOB_CHARS.test(pattern)) {
        const entry = this.byName.get(pattern.toLowerCase());
        if (entry && !out.has(pattern.toLowerCase())) out.set(pattern.toLowerCase(), pattern);
        continue;
      }
      for (const [key, entry] of this.byName) {
        if (has(entry.spec, 'hidden') || out.has(key)) continue;
        if (match(pattern, key)) out.set(key, key);
      }
    }
    return [...out].map(([key, shown]) => {
      const spec = this.byName.get(key)!.spec;
      const value = this.values.get(spec.name)!;
      return [shown, spec.show ? spec.show(value) : value];
    });
  }

  /** Every parameter and alias with its value, in table order (INFO, tests). */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const [key, entry] of this.byName) out.push([key, this.values.get(entry.spec.name)!]);
    return out;
  }

  /**
   * CONFIG REWRITE: rewrite the config file in place, keeping comments and the order of known lines, replacing
   * each parameter's lines with its current value, appending non-default values after a signature comment, and
   * blanking lines of parameters no longer set. The file is replaced atomically. Throws the fs error on failure.
   * `users` are the `user` lines to write, every one (rewriteConfigUserOption); null when an ACL file holds the users,
   * which drops the file's `user` lines.
   */
  rewrite(file: string, users: readonly string[] | null, forceAll = false): void {
    let old = '';
    try {
      old = readFileSync(file, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const state = new RewriteState(forceAll);
    const lines = old === '' ? [] : old.split('\n');
    for (const raw of lines) {
      const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
      if (line === '' || line.startsWith('#')) {
        if (state.needsSignature && line === REWRITE_SIGNATURE) state.needsSignature = false;
        state.lines.push(line);
        continue;
      }
      const argv = splitArgs(line);
      const directive = argv?.[0]?.toLowerCase();
      const entry = directive === undefined ? undefined : this.byName.get(directive);
      if (!argv || !directive || (!entry && !FILE_ONLY_DIRECTIVES.has(directive))) {
        state.lines.push(`# ??? ${line}`);
        continue;
      }
      state.lines.push(line);
      state.addLine(entry ? entry.spec.name : directive, state.lines.length - 1);
    }
    for (const spec of this.specs) this.rewriteParam(state, spec);
    for (const line of users ?? []) state.rewriteLine('user', line, true);
    state.markProcessed('user');
    state.removeOrphaned();
    const content = state.content();
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(tmp, content, { encoding: 'latin1', mode: 0o644 });
      renameSync(tmp, file);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // the temp file was never created
      }
      throw e;
    }
  }

  // ---- internals ----

  private store(spec: ParamSpec, value: string): void {
    const changed = spec.alwaysChanged || value !== this.values.get(spec.name);
    this.values.set(spec.name, value);
    if (changed) this.notify(spec);
  }

  private notify(spec: ParamSpec): void {
    const value = this.values.get(spec.name)!;
    for (const fn of this.listeners.get(spec.name) ?? []) fn(value);
  }

  private parse(spec: ParamSpec, args: readonly string[], startup: boolean): Parsed {
    const r = parseValue(spec, args, this.values.get(spec.name)!, startup ? this.startupSave : null);
    if ('error' in r) return r;
    const invalid = spec.validate?.(r.value);
    return invalid ? { error: invalid } : r;
  }

  private rewriteParam(state: RewriteState, spec: ParamSpec): void {
    const value = this.values.get(spec.name)!;
    const name = spec.name;
    switch (spec.type) {
      case 'bool':
      case 'enum':
        return state.rewriteLine(name, `${name} ${value}`, value !== spec.default);
      case 'string':
        if (spec.emptyIsNull && value === '') return state.markProcessed(name);
        return state.rewriteLine(name, `${name} ${quoteRepr(value)}`, value !== spec.default);
      case 'numeric': {
        if (spec.percent && value.endsWith('%')) return state.rewriteLine(name, `${name} ${value}`, value !== spec.default);
        const shown = spec.memory ? formatMemoryForFile(BigInt(value)) : value;
        return state.rewriteLine(name, `${name} ${shown}`, value !== spec.default);
      }
      case 'special': {
        const lines = spec.fileLines!(value, spec);
        for (const { line, force } of lines) state.rewriteLine(name, line === '' ? name : `${name} ${line}`, force);
        return state.markProcessed(name);
      }
    }
  }
}

/** Directives redis.conf may hold that are not parameters: CONFIG REWRITE keeps their lines as they are. */
const FILE_ONLY_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);
/** Directives Redis 7.0 still accepts and ignores. */
const DEPRECATED_DIRECTIVES = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);
const REWRITE_SIGNATURE = '# Generated by CONFIG REWRITE';

/** rewriteConfigState: the old file's lines and, per option, which of them it occupied. */
class RewriteState {
  lines: string[] = [];
  needsSignature = true;
  private optionLines = new Map<string, number[]>();
  private rewritten = new Set<string>();

  constructor(private readonly forceAll: boolean) {}

  addLine(option: string, index: number): void {
    const list = this.optionLines.get(option) ?? [];
    list.push(index);
    this.optionLines.set(option, list);
  }

  markProcessed(option: string): void {
    this.rewritten.add(option);
  }

  /** Reuse the option's next old line, or append when forced (a non-default value) and no old line is left. */
  rewriteLine(option: string, line: string, force: boolean): void {
    this.markProcessed(option);
    const list = this.optionLines.get(option);
    if (!list && !force && !this.forceAll) return;
    if (list) {
      this.lines[list.shift()!] = line;
      if (list.length === 0) this.optionLines.delete(option);
      return;
    }
    if (this.needsSignature) {
      this.lines.push(REWRITE_SIGNATURE);
      this.needsSignature = false;
    }
    this.lines.push(line);
  }

  /** Blank the old lines of rewritten options that were not reused (a second `save` line now gone, …). */
  removeOrphaned(): void {
    for (const [option, list] of this.optionLines) {
      if (!this.rewritten.has(option)) continue;
      for (const i of list) this.lines[i] = '';
    }
  }

  /** The new file: lines joined, runs of empty lines collapsed to one. */
  content(): string {
    let out = '';
    let wasEmpty = false;
    for (const line of this.lines) {
      if (line === '') {
        if (wasEmpty) continue;
        wasEmpty = true;
      } else {
        wasEmpty = false;
      }
      out += line + '\n';
    }
    return out;
  }
}

/** Parse words into a parameter's canonical printed value, or the error config.c gives. */
function parseValue(spec: ParamSpec, args: readonly string[], current: string, startup: { first: boolean } | null): Parsed {
  switch (spec.type) {
    case 'bool': {
      const t = args[0].toLowerCase();
      if (t === 'yes' || t === 'no') return { value: t };
      return { error: "argument must be 'yes' or 'no'" };
    }
    case 'string':
      return { value: args[0] };
    case 'enum': {
      const bitflags = has(spec, 'multiArg');
      const v = enumValue(spec.values!, args, bitflags);
      if (v === null) return { error: enumError(spec.values!) };
      return { value: enumName(spec.values!, v, bitflags) };
    }
    case 'numeric':
      return parseNumeric(spec, args[0]);
    case 'special':
      return spec.parse!(args, current, startup);
  }
}

const UNSIGNED_KINDS: ReadonlySet<NumericKind> = new Set(['uint', 'ullong', 'size']);

/** numericParseString() then numericBoundaryCheck(), with C's integer conversions. */
function parseNumeric(spec: ParamSpec, text: string): Parsed {
  let v: bigint | null = null;
  let isPercent = false;
  if (spec.memory) {
    const m = memToU64(text);
    if (m !== null) v = asSigned64(m);
  }
  if (v === null && spec.percent && text.length > 1 && text.endsWith('%')) {
    const p = parseLongLong(text.slice(0, -1));
    if (p !== null && p >= 0n) {
      v = -p; // a percentage is kept as a negative number, as Redis does
      isPercent = true;
    }
  }
  if (v === null && spec.octal) {
    const o = strtoll(text, 8);
    if (o && !o.overflow) v = o.value;
  }
  if (v === null && !spec.memory && !spec.percent && !spec.octal) v = parseLongLong(text);
  if (v === null) {
    if (spec.memory && spec.percent) return { error: 'argument must be a memory or percent value' };
    if (spec.memory) return { error: 'argument must be a memory value' };
    if (spec.octal) return { error: "argument couldn't be parsed as an octal number" };
    return { error: "argument couldn't be parsed into an integer" };
  }
  const min = spec.min!, max = spec.max!;
  if (UNSIGNED_KINDS.has(spec.kind!)) {
    const u = asUnsigned64(v), lo = asUnsigned64(min), hi = asUnsigned64(max);
    if (u > hi || u < lo) {
      return spec.octal
        ? { error: `argument must be between ${lo.toString(8)} and ${hi.toString(8)} inclusive` }
        : { error: `argument must be between ${lo} and ${hi} inclusive` };
    }
  } else if (spec.percent && v < 0n) {
    if (v < min) return { error: `percentage argument must be less or equal to ${-min}` };
  } else if (v > max || v < min) {
    return { error: `argument must be between ${min} and ${max} inclusive` };
  }
  if (isPercent || (spec.percent && v < 0n)) return { value: `${-v}%` };
  if (spec.memory) return { value: String(asUnsigned64(v) % U64) };
  if (spec.octal) return { value: v.toString(8) };
  return { value: String(v) };
}

/** `dir`: an existing directory; kept as an absolute path. */
export function parseDir(args: readonly string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const dir = path.resolve(args[0]);
  try {
    if (!statSync(dir).isDirectory()) return { error: 'Not a directory' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (e as Error).message };
  }
  return { value: dir };
}
