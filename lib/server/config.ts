/**
 * Configuration parameters with Redis 7.0's names, aliases, types and defaults (config.c's standardConfig table).
 * CONFIG GET/SET, the command line and config files all go through here. A parameter toyredis does not act on
 * is still stored and echoed, so tools and test suites that tune it keep working.
 */
import { parseMemory } from './config-values';

export type ParamType = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

export interface ParamSpec {
  name: string;
  aliases?: readonly string[];
  type: ParamType;
  /** The default, spelled as CONFIG GET prints it. */
  default: string;
  min?: number;
  max?: number;
  /** enum: accepted values (lower case); a `multi` enum accepts several, space separated (e.g. none of them). */
  values?: readonly string[];
  /** memory: a negative value means a percentage (maxmemory-clients); printed as `N%`. */
  percent?: boolean;
  /** Can only be set at startup. */
  immutable?: boolean;
  /** Redis's PROTECTED_CONFIG: settable only if enable-protected-configs allows. */
  protected?: boolean;
  /** Not listed by CONFIG GET patterns, only by exact name. */
  hidden?: boolean;
  /** special: turn the user's text into the canonical printed form, or throw a ConfigError. */
  normalize?: (text: string) => string;
}

export class ConfigError extends Error {}

export class Config {
  private values = new Map<string, string>();
  private byName = new Map<string, ParamSpec>();
  private listeners = new Map<string, ((value: string) => void)[]>();

  constructor(readonly specs: readonly ParamSpec[]) {
    for (const spec of specs) {
      this.byName.set(spec.name, spec);
      for (const alias of spec.aliases ?? []) this.byName.set(alias, spec);
      this.values.set(spec.name, spec.default);
    }
  }

  /** The parameter for a name or alias (case-insensitive), if any. */
  spec(name: string): ParamSpec | undefined {
    return this.byName.get(name.toLowerCase());
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

  /** Validate and normalise a value for a parameter without storing it. */
  check(name: string, text: string): string {
    const spec = this.spec(name);
    if (!spec) throw new ConfigError(`unknown parameter '${name}'`);
    return normalizeValue(spec, text);
  }

  /** Store an already-checked value and tell whoever listens. */
  store(name: string, canonical: string): void {
    const spec = this.spec(name)!;
    this.values.set(spec.name, canonical);
    for (const fn of this.listeners.get(spec.name) ?? []) fn(canonical);
  }

  set(name: string, text: string): void {
    this.store(name, this.check(name, text));
  }

  /** Run `fn` now and whenever the parameter changes (how the server applies live settings). */
  watch(name: string, fn: (value: string) => void): void {
    const spec = this.spec(name)!;
    const list = this.listeners.get(spec.name) ?? [];
    list.push(fn);
    this.listeners.set(spec.name, list);
    fn(this.values.get(spec.name)!);
  }

  /** [name, value] for every canonical parameter whose name or alias matches (CONFIG GET). */
  matching(matches: (name: string) => boolean): [string, string][] {
    const out: [string, string][] = [];
    for (const spec of this.specs) {
      if (spec.hidden) continue;
      const value = this.values.get(spec.name)!;
      if (matches(spec.name)) out.push([spec.name, value]);
      for (const alias of spec.aliases ?? []) if (matches(alias)) out.push([alias, value]);
    }
    return out;
  }
}

function normalizeValue(spec: ParamSpec, text: string): string {
  switch (spec.type) {
    case 'bool': {
      const t = text.toLowerCase();
      if (t === 'yes' || t === 'no') return t;
      throw new ConfigError("argument must be 'yes' or 'no'");
    }
    case 'int': {
      if (!/^-?\d+$/.test(text.trim() === text ? text : '')) throw new ConfigError("argument couldn't be parsed into an integer");
      return checkRange(spec, Number(text));
    }
    case 'memory': {
      if (spec.percent && /^\d+%$/.test(text)) return text;
      const n = parseMemory(text);
      if (n === null) throw new ConfigError(spec.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
      return checkRange(spec, n);
    }
    case 'enum': {
      const t = text.toLowerCase();
      if (spec.values!.includes(t)) return t;
      throw new ConfigError(`argument(s) must be one of the following: ${spec.values!.join(', ')}`);
    }
    case 'string':
      return text;
    case 'special':
      return spec.normalize ? spec.normalize(text) : text;
  }
}

function checkRange(spec: ParamSpec, n: number): string {
  const min = spec.min ?? -Infinity, max = spec.max ?? Infinity;
  if (n < min || n > max) throw new ConfigError(`argument must be between ${spec.min} and ${spec.max} inclusive`);
  return String(n);
}
