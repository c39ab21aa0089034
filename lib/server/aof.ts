/**
 * The append-only file as Redis 7.0 lays it out (aof.c): a directory `appenddirname` whose manifest
 * `<appendfilename>.manifest` names one base file (an RDB, or commands) and the incremental files of commands
 * since. Writes arrive as the propagated stream (propagation.ts); the files are replayed at start, compacted by
 * BGREWRITEAOF, and created by a rewrite when appendonly is turned on at run time. RDB saving is persistence.ts.
 */
import {
  closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync,
  truncateSync, writeSync, writevSync, close as closeAsync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { commandTable } from '../commands';
import { ArgCursor } from '../commands/args';
import type { Command } from '../commands/types';
import { ReplyError } from '../protocol/errors';
import { encodeCommand, formatDouble } from '../protocol/reply';
import { splitInlineArgs } from '../protocol/resp';
import { RdbError } from '../rdb/errors';
import { loadLimitsOf, RdbLoader } from '../rdb/load';
import { installRdbLibraries, librarySources } from '../scripting/functions';
import type { Keyspace } from '../store/keyspace';
import { NO_EXPIRY } from '../store/keyspace';
import { Snapshot, type SnapshotRecord } from '../store/snapshot';
import type { TypeName, Value } from '../store/types';
import type { SetValue } from '../store/set';
import type { List } from '../store/list';
import type { HashValue } from '../store/hash';
import type { ZsetValue } from '../store/zset';
import { formatId, ID_MAX, ID_MIN, type StreamValue } from '../store/stream';
import { Client } from './client';
import { quoteRepr } from './config-values';
import {
  FatalStartupError, fsyncDir, strerror, unlinkQuietly, writeFileInSlices, writeFileNow, type BackgroundJob,
} from './persistence';
import { NO_DB } from './propagation';
import type { Server } from './server';

type AofFileType = 'b' | 'h' | 'i';

/** One line of the manifest: `file <name> seq <n> type <b|h|i>`. */
export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** A manifest that cannot be used: Redis logs the line and the reason, then exits. */
export class ManifestError extends Error {
  constructor(message: string, readonly lineNumber: number, readonly line: string | null) {
    super(message);
  }
}

/** sdsneedsrepr(): a name with spaces, quotes, backslashes or unprintable bytes is written quoted. */
function needsRepr(s: string): boolean {
  return /[\\"\x00-\x20\x7f-\xff]/.test(s);
}

/**
 * The manifest (aofManifest): at most one base file, the history files a rewrite left behind until they are
 * deleted, and the incremental files in order. Changes are made on a clone() and adopted once persisted.
 */
export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  history: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;
  /** Changed since it was last written. */
  dirty = false;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base && { ...this.base };
    m.incr = this.incr.map((i) => ({ ...i }));
    m.history = this.history.map((i) => ({ ...i }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    m.dirty = this.dirty;
    return m;
  }

  /** getAofManifestAsString(): the base first, then history files, then incremental files. */
  toString(): string {
    const line = (i: AofInfo) => `file ${needsRepr(i.name) ? quoteRepr(i.name) : i.name} seq ${i.seq} type ${i.type}\n`;
    return [...(this.base ? [this.base] : []), ...this.history, ...this.incr].map(line).join('');
  }

  /** aofLoadManifestFromFile(): strict, as Redis reads it; throws ManifestError. */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    let maxSeq = 0;
    let lineNumber = 0;
    let pos = 0;
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest', 0, null);
    while (pos < text.length) {
      // fgets() with a 1024-byte buffer: a line is at most 1024 bytes including its newline
      const nl = text.indexOf('\n', pos);
      const end = nl < 0 ? text.length : Math.min(nl + 1, pos + 1024);
      const raw = text.slice(pos, end);
      pos = end;
      lineNumber++;
      if (raw.startsWith('#')) continue;
      if (!raw.endsWith('\n')) throw new ManifestError('The AOF manifest file contains too long line', lineNumber, null);
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') throw new ManifestError('Invalid AOF manifest file format', lineNumber, line);
      const bytes = Buffer.from(line, 'latin1');
      const argv = splitInlineArgs(bytes, 0, bytes.length);
      // fewer than 6 words is an error; more is allowed, for fields of later versions
      if (argv === null || argv.length < 6 || argv.length % 2) throw new ManifestError('Invalid AOF manifest file format', lineNumber, line);
      let name: string | null = null, seq = 0, type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].toLowerCase();
        if (key === 'file') {
          name = argv[i + 1];
          if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename", lineNumber, line);
        } else if (key === 'seq') {
          seq = Number.parseInt(argv[i + 1], 10) || 0; // atoll(): junk reads as 0
        } else if (key === 'type') {
          type = argv[i + 1][0] ?? '';
        }
      }
      if (!name || !seq || !type) throw new ManifestError('Invalid AOF manifest file format', lineNumber, line);
      if (type === 'b') {
        if (m.base) throw new ManifestError('Found duplicate base file information', lineNumber, line);
        m.base = { name, seq, type };
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push({ name, seq, type });
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number', lineNumber, line);
        m.incr.push({ name, seq, type });
        m.incrSeq = seq;
        maxSeq = seq;
      } else {
        throw new ManifestError('Unknown AOF file type', lineNumber, line);
      }
    }
    return m;
  }

  /** getNewBaseFileNameAndMarkPreAsHistory(): `<appendfilename>.<seq>.base.rdb` (or `.base.aof`). */
  newBase(appendfilename: string, rdbPreamble: boolean): string {
    if (this.base) this.history.unshift({ ...this.base, type: 'h' });
    const seq = ++this.baseSeq;
    this.base = { name: `${appendfilename}.${seq}.base.${rdbPreamble ? 'rdb' : 'aof'}`, seq, type: 'b' };
    this.dirty = true;
    return this.base.name;
  }

  /** getNewIncrAofName(): `<appendfilename>.<seq>.incr.aof`, appended to the incremental files. */
  newIncr(appendfilename: string): string {
    const seq = ++this.incrSeq;
    const name = `${appendfilename}.${seq}.incr.aof`;
    this.incr.push({ name, seq, type: 'i' });
    this.dirty = true;
    return name;
  }

  /** markRewrittenIncrAofAsHistory(): the incremental files a rewrite covered become history (not the open one). */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const moved = keepLast ? this.incr.slice(0, -1) : this.incr;
    this.incr = keepLast ? this.incr.slice(-1) : [];
    for (const i of moved.reverse()) this.history.unshift({ ...i, type: 'h' });
    this.dirty = true;
  }
}

/** AOF_REWRITE_ITEMS_PER_CMD: a collection is rebuilt by commands of at most this many items each. */
const ITEMS_PER_COMMAND = 64;

/** `items` as `[name, key, ...batch]` commands of at most ITEMS_PER_COMMAND items each. */
/** `name key item…` commands of at most 64 items each (AOF_REWRITE_ITEMS_PER_CMD); an item may span `width` args. */
function batched(name: string, key: string, items: string[], width = 1): string[][] {
  const out: string[][] = [];
  const step = ITEMS_PER_COMMAND * width;
  for (let i = 0; i < items.length; i += step) out.push([name, key, ...items.slice(i, i + step)]);
  return out;
}

/**
 * How a value is written as commands in an AOF-format base (aof-use-rdb-preamble no), as rewriteAppendOnlyFileRio
 * does; each type toyredis learns to hold adds its row (lists as RPUSH, hashes as HMSET, zsets as ZADD).
 */
const rewriters: Partial<Record<TypeName, (key: string, value: Value) => string[][]>> = {
  string: (key, value) => [['SET', key, value as string]],
  set: (key, value) => batched('SADD', key, (value as SetValue).members()),
  list: (key, value) => batched('RPUSH', key, (value as List).toArray()),
  // HMSET with 64 field/value pairs per command, as rewriteHashObject does
  hash: (key, value) => batched('HMSET', key, (value as HashValue).entries().flat(), 2),
  // ZADD with 64 score/member pairs per command, scores as %.17g (rewriteSortedSetObject)
  zset: (key, value) => batched('ZADD', key, [...(value as ZsetValue).entries()].flatMap(([m, score]) => [formatDouble(score), m]), 2),
  stream: (key, value) => rewriteStream(key, value as StreamValue),
};

/**
 * rewriteStreamObject(): an XADD per entry (an empty stream is made by XADD MAXLEN 0 of a dummy entry), XSETID for
 * the last ID and counters, then per group XGROUP CREATE … ENTRIESREAD, and per consumer an XCLAIM … FORCE for
 * each pending entry, or XGROUP CREATECONSUMER when it has none.
 */
function rewriteStream(key: string, s: StreamValue): string[][] {
  const out: string[][] = [];
  if (s.length) {
    for (const e of s.range(ID_MIN, ID_MAX)) {
      const argv = ['XADD', key, formatId(e.id)];
      for (let i = 0; i < e.values.length; i++) argv.push(e.fields[i], e.values[i]);
      out.push(argv);
    }
  } else {
    out.push(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out.push(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)]);
  for (const [name, g] of s.sortedGroups()) {
    out.push(['XGROUP', 'CREATE', key, name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out.push(['XGROUP', 'CREATECONSUMER', key, name, c.name]);
        continue;
      }
      for (const [id, nack] of c.pel.entries()) {
        out.push(['XCLAIM', key, name, c.name, '0', formatId(id), 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
  return out;
}

function rewriteRecord(r: SnapshotRecord): Buffer[] {
  const type: TypeName = typeof r.value === 'string' ? 'string' : r.value.type;
  const rewrite = rewriters[type];
  if (!rewrite) throw new Error(`no AOF rewrite for values of type ${type}`);
  const out = rewrite(r.key, r.value).map(encodeCommand);
  if (r.expiresAt !== NO_EXPIRY) out.push(encodeCommand(['PEXPIREAT', r.key, String(r.expiresAt)]));
  return out;
}

/**
 * The dataset as commands, from the instant of this call: FUNCTION LOAD per library (rewriteFunctions), then per
 * db a SELECT and SET/PEXPIREAT and the like per key.
 */
function commandChunks(ks: Keyspace, functions: readonly string[], timestamp: number | null): Generator<Buffer, void, undefined> {
  const snapshot = new Snapshot(ks); // now, not when the first chunk is pulled
  return (function* () {
    try {
      let parts: Buffer[] = [];
      let size = 0;
      const add = (b: Buffer) => {
        parts.push(b);
        size += b.length;
      };
      if (timestamp !== null) add(Buffer.from(`#TS:${timestamp}\r\n`));
      for (const code of functions) add(encodeCommand(['FUNCTION', 'LOAD', code]));
      for (const db of ks.dbs) {
        if (snapshot.counts(db).keys === 0) continue;
        add(encodeCommand(['SELECT', String(db.id)]));
        const walk = snapshot.walk(db, 256, (records) => {
          for (const r of records) for (const b of rewriteRecord(r)) add(b);
        });
        for (let step = walk.next(); ; step = walk.next()) {
          if (size >= 64 * 1024) {
            yield Buffer.concat(parts, size);
            parts = [];
            size = 0;
          }
          if (step.done) break;
        }
      }
      if (size) yield Buffer.concat(parts, size);
    } finally {
      snapshot.finish();
    }
  })();
}

/** loadSingleAppendOnlyFile()'s outcomes. */
type LoadOutcome = 'ok' | 'empty' | 'truncated' | 'failed' | 'not-exist' | 'open-error';

/** How often (seconds) the same AOF write error may be logged (AOF_WRITE_LOG_ERROR_RATE). */
const WRITE_ERROR_LOG_RATE = 30;

export class Aof {
  /** aof_state: off, on, or waiting for the rewrite that creates the AOF after `CONFIG SET appendonly yes`. */
  state: 'off' | 'on' | 'wait-rewrite' = 'off';
  private manifest = new AofManifest();
  /** The incremental file being appended to (the temp one while waiting for the first rewrite); -1 if none. */
  private fd = -1;
  /** aof_buf: commands appended since the last write to the file. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writeScheduled = false;
  /** The db the file last SELECTed; -1 forces a SELECT before the next command. */
  private selectedDb = -1;
  private currentSize = 0;
  private baseSize = 0;
  private lastIncrSize = 0;
  private lastIncrFsyncOffset = 0;
  /** Unix seconds of the last fsync (or of its start, for a background one). */
  private lastFsync = 0;
  /** A background fsync (appendfsync everysec) is running on the thread pool. */
  private fsyncInFlight = false;
  private fsyncStatus: 'ok' | 'err' = 'ok';
  private lastWriteStatus: 'ok' | 'err' = 'ok';
  private lastWriteError = '';

  /** Why writes must be refused (writeCommandsDeniedByDiskError): the last AOF write or fsync failed. */
  get diskError(): string | null {
    if (this.state === 'off') return null;
    if (this.lastWriteStatus === 'err' || this.fsyncStatus === 'err') return `MISCONF Errors writing to the AOF file: ${this.lastWriteError || 'Input/output error'}`;
    return null;
  }
  private lastWriteErrorLog = 0;
  private timestamp = 0;
  private rewrite: BackgroundJob | null = null;
  rewriteScheduled = false;
  private lastRewriteSeconds = -1;
  private rewrites = 0;
  private consecutiveFailures = 0;
  private lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  /** Settings read on every write, followed live rather than looked up each time. */
  private fsyncPolicy = 'everysec';
  private timestamps = false;
  private noFsyncOnRewrite = false;

  constructor(private readonly server: Server) {
    server.propagation.sinks.push((db, argv, target) => {
      if (target === 'all') this.feed(db, argv);
    });
    server.config.watch('appendfsync', (v) => (this.fsyncPolicy = v));
    server.config.watch('aof-timestamp-enabled', (v) => (this.timestamps = v === 'yes'));
    server.config.watch('no-appendfsync-on-rewrite', (v) => (this.noFsyncOnRewrite = v === 'yes'));
    server.config.onApply('appendonly', (v) => {
      if (v === 'no' && this.state !== 'off') this.stop();
      else if (v === 'yes' && this.state === 'off' && !this.start()) return 'Unable to turn on AOF. Check server logs.';
      return null;
    });
  }

  private get nowSec(): number {
    return Math.floor(this.server.clock.now() / 1000);
  }

  private get filename(): string {
    return this.server.config.get('appendfilename');
  }

  /** The AOF directory: `dir`/`appenddirname`. */
  dirPath(): string {
    return path.join(this.server.config.get('dir'), this.server.config.get('appenddirname'));
  }

  private filePath(name: string): string {
    return path.join(this.dirPath(), name);
  }

  get rewriteInProgress(): boolean {
    return this.rewrite !== null;
  }

  /** The manifest's files, for tests and INFO-like questions. */
  get files(): { base: AofInfo | null; incr: AofInfo[]; history: AofInfo[] } {
    return { base: this.manifest.base, incr: [...this.manifest.incr], history: [...this.manifest.history] };
  }

  // ---- start: manifest, replay, open ----

  /** aofLoadManifestFromDisk(): read the manifest if the directory holds one (even with appendonly no, as Redis). */
  loadManifest(): void {
    this.manifest = new AofManifest();
    const file = this.filePath(`${this.filename}.manifest`);
    if (!existsSync(file)) return;
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (e) {
      this.server.log.warning(`Fatal error: can't open the AOF manifest file ${file} for reading: ${strerror(e)}`);
      throw new FatalStartupError('AOF manifest unreadable');
    }
    try {
      this.manifest = AofManifest.parse(text);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      const log = this.server.log;
      log.warning('*** FATAL AOF MANIFEST FILE ERROR ***');
      if (e.line !== null) {
        log.warning(`Reading the manifest file, at line ${e.lineNumber}`);
        log.warning(`>>> '${e.line}'`);
      }
      log.warning(e.message);
      throw new FatalStartupError(e.message);
    }
  }

  /** loadAppendOnlyFiles() and loadDataFromDisk()'s AOF branch: replay the base, then each incremental file. */
  loadAtStart(): void {
    const server = this.server;
    const log = server.log;
    const start = performance.now();
    const am = this.manifest;
    const legacy = path.join(server.config.get('dir'), this.filename);
    if (existsSync(legacy)) {
      const dirExists = existsSync(this.dirPath());
      if (
        !dirExists || (!am.base && am.incr.length === 0) ||
        (am.base && am.incr.length === 0 && am.base.name === this.filename && !existsSync(this.filePath(this.filename)))
      ) {
        this.upgradeLegacyFile(legacy);
      }
    }
    if (!am.base && am.incr.length === 0) return; // nothing to load
    const files = [...(am.base ? [am.base] : []), ...am.incr];
    let total = 0;
    for (const f of files) {
      try {
        total += statSync(this.filePath(f.name)).size;
      } catch (e) {
        log.warning(`Unable to obtain the AOF file ${f.name} length. stat: ${strerror(e)}`);
        throw new FatalStartupError(`missing AOF file ${f.name}`);
      }
    }
    if (total > 0) {
      server.loading = true;
      try {
        files.forEach((f, i) => {
          const last = i === files.length - 1;
          const t0 = performance.now();
          let outcome = this.loadFile(f.name);
          if (outcome === 'ok' || (outcome === 'truncated' && last)) {
            log.notice(`DB loaded from ${f === am.base ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
          }
          if (outcome === 'truncated' && !last) {
            log.warning('Fatal error: the truncated file is not the last file');
            outcome = 'failed';
          }
          if (outcome === 'failed' || outcome === 'open-error' || outcome === 'not-exist') {
            throw new FatalStartupError(`cannot load ${f.name}`);
          }
        });
      } finally {
        server.loading = false;
      }
      this.currentSize = total;
      this.baseSize = am.base ? statSync(this.filePath(am.base.name)).size : 0;
    }
    log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  }

  /**
   * DEBUG LOADAOF: what is pending goes to the file, the dataset is emptied and the AOF (manifest, base and
   * incremental files) loaded again as at start; nothing of it is propagated. Redis exits when there is no AOF
   * or it cannot be loaded; here the command fails instead, with the dataset untouched when there is none and
   * holding what was read when a file is broken.
   */
  debugLoad(): boolean {
    const server = this.server;
    if (this.state !== 'off') this.writePending();
    try {
      this.loadManifest();
      const legacy = path.join(server.config.get('dir'), this.filename);
      if (!this.manifest.base && this.manifest.incr.length === 0 && !existsSync(legacy)) return false;
      server.keyspace.flushAll();
      this.deleteHistory();
      this.loadAtStart();
    } catch (e) {
      if (!(e instanceof FatalStartupError)) throw e;
      return false;
    }
    server.keyspace.dirty = 0;
    server.log.warning('Append Only File loaded by DEBUG LOADAOF');
    return true;
  }

  /** aofUpgradePrepare(): an old single `appendfilename` in `dir` becomes the base of a new AOF directory. */
  private upgradeLegacyFile(legacy: string): void {
    const log = this.server.log;
    this.makeDir(true);
    const am = this.manifest;
    am.base = { name: this.filename, seq: 1, type: 'b' };
    am.baseSeq = 1;
    am.dirty = true;
    if (!this.persist(am)) throw new FatalStartupError('cannot write the AOF manifest');
    try {
      renameSync(legacy, this.filePath(this.filename));
    } catch (e) {
      log.warning(`Error trying to move the old AOF file ${this.filename} into dir ${this.server.config.get('appenddirname')}: ${strerror(e)}`);
      throw new FatalStartupError('cannot move the old AOF file');
    }
    log.notice(`Successfully migrated an old-style AOF file (${this.filename}) into the AOF directory (${this.server.config.get('appenddirname')}).`);
  }

  /**
   * loadSingleAppendOnlyFile(): an RDB (the base, or an old file's preamble) if the file starts with REDIS, then
   * commands, each run as Redis runs them from the AOF: by the command's own handler, with no reply, no
   * propagation and no stats. A command cut off by the end of the last file is dropped (aof-load-truncated yes).
   */
  private loadFile(name: string): LoadOutcome {
    const log = this.server.log;
    const file = this.filePath(name);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        log.warning(`The append log file ${name} doesn't exist: ${strerror(e)}`);
        return 'not-exist';
      }
      log.warning(`Fatal error: can't open the append log file ${name} for reading: ${strerror(e)}`);
      return 'open-error';
    }
    if (buf.length === 0) return 'empty';
    let pos = 0;
    if (buf.length >= 5 && buf.latin1Slice(0, 5) === 'REDIS') {
      const oldStyle = name === this.filename;
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        pos = this.loadRdbPart(buf);
      } catch (e) {
        if (!(e instanceof RdbError)) throw e;
        log.warning(`Internal error in RDB reading offset ${e.offset ?? 0} -> ${e.message}`);
        log.warning(oldStyle
          ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
          : `Error reading the RDB base file ${name}, AOF loading aborted`);
        return 'failed';
      }
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    return this.replay(buf, pos, name, file);
  }

  /** The RDB at the start of an AOF file, into the keyspace; returns where the commands after it start. */
  private loadRdbPart(buf: Buffer): number {
    const loader = new RdbLoader(this.server.keyspace, {
      dropExpired: false, // keys in an AOF base expire later, as Redis loads an AOF preamble
      log: this.server.log,
      verifyChecksum: this.server.config.getBool('rdbchecksum'),
      functions: installRdbLibraries(this.server),
      limits: loadLimitsOf(this.server.config),
    });
    for (let off = 0; off < buf.length && !loader.done; off += 256 * 1024) loader.feed(buf.subarray(off, off + 256 * 1024));
    this.server.persistence.noteLoaded(loader.end());
    return loader.consumed;
  }

  /** The command part of an AOF file, from `pos`; see loadFile(). */
  private replay(buf: Buffer, pos: number, name: string, file: string): LoadOutcome {
    const client = this.replayClient();
    try {
      return this.replayWith(client, buf, pos, name, file);
    } finally {
      client.actor.stop();
    }
  }

  private replayWith(client: Client, buf: Buffer, pos: number, name: string, file: string): LoadOutcome {
    const log = this.server.log;
    let validUpTo = pos;
    let validBeforeMulti = pos;
    let multi: { command: Command; argv: string[] }[] | null = null;
    let truncated = false;
    const len = buf.length;
    parse: while (pos < len) {
      // fgets(): a line ends at '\n'; one cut off by the end of the file is returned as it is
      let nl = buf.indexOf(10, pos);
      if (buf[pos] === 0x23 /* # */) {
        pos = nl < 0 ? len : nl + 1; // annotations (#TS:...) are skipped
        continue;
      }
      if (buf[pos] !== 0x2a /* * */) return this.formatError(name);
      if (nl < 0) {
        truncated = true;
        break;
      }
      const argc = Number.parseInt(buf.latin1Slice(pos + 1, nl), 10);
      if (!(argc >= 1)) return this.formatError(name);
      pos = nl + 1;
      const argv: string[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        if (pos >= len) {
          truncated = true;
          break parse;
        }
        if (buf[pos] !== 0x24 /* $ */) return this.formatError(name);
        nl = buf.indexOf(10, pos);
        if (nl < 0) {
          truncated = true;
          break parse;
        }
        const n = Number.parseInt(buf.latin1Slice(pos + 1, nl), 10) || 0;
        pos = nl + 1;
        if (pos + n + 2 > len) {
          truncated = true;
          break parse;
        }
        argv[j] = buf.latin1Slice(pos, pos + n);
        pos += n + 2; // the CRLF after the bytes is skipped unread, as Redis does
      }
      const command = commandTable.lookup(argv);
      if (!command) {
        log.warning(`Unknown command '${argv[0]}' reading the append only file ${name}`);
        return 'failed';
      }
      const cmdName = command.fullname;
      if (cmdName === 'multi') {
        validBeforeMulti = validUpTo;
        multi = [];
      } else if (multi && cmdName !== 'exec') {
        multi.push({ command, argv });
      } else if (cmdName === 'exec') {
        for (const queued of multi ?? []) this.runLoaded(client, queued.command, queued.argv);
        multi = null;
      } else {
        this.runLoaded(client, command, argv);
      }
      validUpTo = pos;
    }
    if (!truncated && multi) {
      // a transaction the file ends inside is handled as a short read: it is dropped and cut off
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      validUpTo = validBeforeMulti;
      truncated = true;
    } else if (truncated && multi) {
      validUpTo = validBeforeMulti;
    }
    if (!truncated) return 'ok';
    if (this.server.config.getBool('aof-load-truncated')) {
      log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        truncateSync(file, validUpTo);
        log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        log.warning(`Error truncating the AOF file ${name}: ${strerror(e)}`);
      }
    }
    log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: ` +
        '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
        "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
    );
    return 'failed';
  }

  private formatError(name: string): LoadOutcome {
    this.server.log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    return 'failed';
  }

  /** createAOFClient(): the pseudo-client commands from the file run as (SELECT moves it between dbs). */
  private replayClient(): Client {
    const server = this.server;
    const c = new Client(0, new net.Socket(), server.keyspace.dbs[0], server.limits, server.clock.now(), false);
    c.fixedAddr = 'aof';
    c.actor.start();
    return c;
  }

  private runLoaded(client: Client, command: Command, argv: string[]): void {
    const server = this.server;
    if (!command.run) return; // a container command without its subcommand: nothing to run
    server.keyspace.tick();
    try {
      command.run!({ server, client, db: client.db, argv, command }, new ArgCursor(argv, command.parent ? 2 : 1));
    } catch (e) {
      // a command that fails while loading only fails, as in Redis (its reply goes nowhere)
      if (!(e instanceof ReplyError)) server.log.warning(`Command '${command.fullname}' failed while loading the AOF: ${(e as Error)?.stack ?? e}`);
    }
  }

  /**
   * aofOpenIfNeededOnServerStart(): with appendonly yes, make sure there is a base (a new, empty dataset gets
   * one now), open the last incremental file for appending (or a new one), and write the manifest.
   */
  openAtStart(): void {
    if (!this.server.config.getBool('appendonly')) return;
    const log = this.server.log;
    this.makeDir(true);
    const am = this.manifest;
    const hadIncr = am.incr.length > 0;
    if (!am.base && !hadIncr) {
      const base = am.newBase(this.filename, this.server.config.getBool('aof-use-rdb-preamble'));
      if (!this.rewriteNow(this.filePath(base))) throw new FatalStartupError('cannot create the AOF base file');
      log.notice(`Creating AOF base file ${base} on server start`);
    }
    const name = hadIncr ? am.incr[am.incr.length - 1].name : am.newIncr(this.filename);
    try {
      this.fd = openSync(this.filePath(name), 'a', 0o644);
    } catch (e) {
      log.warning(`Can't open the append-only file ${name}: ${strerror(e)}`);
      throw new FatalStartupError('cannot open the AOF');
    }
    if (!this.persist(am)) throw new FatalStartupError('cannot write the AOF manifest');
    this.lastIncrSize = this.lastIncrFsyncOffset = statSync(this.filePath(name)).size;
    this.state = 'on';
    this.selectedDb = -1;
    this.lastFsync = this.nowSec;
    log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${name} on server start`);
  }

  /** dirCreateIfMissing(); at start a failure is fatal. */
  private makeDir(fatal: boolean): boolean {
    try {
      mkdirSync(this.dirPath());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        this.server.log.warning(`Can't open or create append-only dir ${this.server.config.get('appenddirname')}: ${strerror(e)}`);
        if (fatal) throw new FatalStartupError('cannot create the AOF directory');
        return false;
      }
    }
    return true;
  }

  /** writeAofManifestFile() when the manifest changed: temp file, fsync, rename, fsync the directory. */
  private persist(am: AofManifest): boolean {
    if (!am.dirty) return true;
    const log = this.server.log;
    const name = `${this.filename}.manifest`;
    const tmpName = `temp-${name}`;
    try {
      writeFileNow(this.filePath(tmpName), [Buffer.from(am.toString(), 'latin1')]);
    } catch (e) {
      log.warning(`Can't write the temporary AOF manifest file ${tmpName}: ${strerror(e)}`);
      return false;
    }
    try {
      renameSync(this.filePath(tmpName), this.filePath(name));
      fsyncDir(this.dirPath());
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF manifest file ${tmpName} into ${name}: ${strerror(e)}`);
      return false;
    }
    am.dirty = false;
    return true;
  }

  /** aofDelHistoryFiles(): history files go once a rewrite (or the start) no longer needs them. */
  deleteHistory(): void {
    const am = this.manifest;
    if (this.server.config.getBool('aof-disable-auto-gc') || am.history.length === 0) return;
    for (const h of am.history) {
      this.server.log.notice(`Removing the history file ${h.name} in the background`);
      unlinkQuietly(this.filePath(h.name));
    }
    am.history = [];
    am.dirty = true;
    this.persist(am);
  }

  // ---- appending ----

  /**
   * feedAppendOnlyFile(): a propagated write, after a SELECT when its db is not the file's current one. It waits
   * in `pending` until writePending(), which runs before any reply leaves (see Server.flush) and once per loop turn.
   */
  private feed(db: number, argv: string[]): void {
    if (this.state === 'off' || (this.state === 'wait-rewrite' && !this.rewrite)) return;
    if (this.timestamps) {
      const now = this.nowSec;
      if (this.timestamp < now) {
        this.timestamp = now;
        this.append(Buffer.from(`#TS:${now}\r\n`));
      }
    }
    if (db !== NO_DB && db !== this.selectedDb) {
      this.append(encodeCommand(['SELECT', String(db)]));
      this.selectedDb = db;
    }
    this.append(encodeCommand(argv));
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(() => {
        this.writeScheduled = false;
        this.writePending();
      });
    }
  }

  private append(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /**
   * flushAppendOnlyFile(): write what is pending in one write, then fsync as appendfsync says: `always` fsyncs
   * here, before returning, so a reply sent after this call is only sent once its write is on disk; `everysec`
   * starts a background fsync at most once a second; `no` leaves it to the kernel. Called before every reply.
   */
  /** Writes are waiting to reach the file: replies that acknowledge them must wait for writePending(). */
  get hasPending(): boolean {
    return this.fd >= 0 && this.pendingBytes > 0;
  }

  writePending(): void {
    if (this.fd < 0) return;
    const policy = this.fsyncPolicy;
    if (this.pendingBytes === 0) {
      if (this.lastIncrFsyncOffset === this.lastIncrSize) return;
      if (policy === 'always' || (policy === 'everysec' && this.nowSec > this.lastFsync && !this.fsyncInFlight)) this.fsync(policy);
      return;
    }
    const chunks = this.pending;
    const total = this.pendingBytes;
    let written = 0;
    try {
      written = chunks.length === 1 ? writeSync(this.fd, chunks[0]) : writevSync(this.fd, chunks);
      while (written < total) {
        const rest = Buffer.concat(chunks, total).subarray(written);
        written += writeSync(this.fd, rest);
      }
    } catch (e) {
      this.writeFailed(e, written, policy);
      return;
    }
    if (this.lastWriteStatus === 'err') {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.currentSize += written;
    this.lastIncrSize += written;
    this.fsync(policy);
  }

  private writeFailed(e: unknown, written: number, policy: string): void {
    const log = this.server.log;
    const now = this.nowSec;
    if (now - this.lastWriteErrorLog > WRITE_ERROR_LOG_RATE) {
      this.lastWriteErrorLog = now;
      log.warning(`Error writing to the AOF file: ${strerror(e)}`);
    }
    if (policy === 'always') {
      // replies may already be promised to this data and the dataset cannot be rolled back: stop, as Redis does
      log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    this.lastWriteStatus = 'err';
    this.lastWriteError = strerror(e);
    if (written > 0) {
      // keep only what did not reach the file; it is retried by the next write or the cron
      const rest = Buffer.concat(this.pending, this.pendingBytes).subarray(written);
      this.pending = [rest];
      this.pendingBytes = rest.length;
      this.currentSize += written;
      this.lastIncrSize += written;
    }
  }

  private fsync(policy: string): void {
    if (this.noFsyncOnRewrite && this.server.persistence.hasActiveChild()) return;
    const now = this.nowSec;
    if (policy === 'always') {
      try {
        fdatasyncSync(this.fd);
      } catch (e) {
        this.server.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}. Exiting...`);
        process.exit(1);
      }
      this.lastIncrFsyncOffset = this.lastIncrSize;
      this.lastFsync = now;
    } else if (policy === 'everysec' && now > this.lastFsync) {
      if (!this.fsyncInFlight) {
        // a background fsync, as Redis hands it to a bio thread: the thread pool does it off the event loop
        const fd = this.fd;
        this.fsyncInFlight = true;
        fdatasync(fd, (err) => {
          this.fsyncInFlight = false;
          if (fd !== this.fd) return;
          if (err) {
            this.server.log.warning(`Fail to fsync the AOF file: ${strerror(err)}`);
            this.fsyncStatus = 'err';
            this.lastWriteError = strerror(err);
          } else {
            this.fsyncStatus = 'ok';
          }
        });
        this.lastIncrFsyncOffset = this.lastIncrSize;
      }
      this.lastFsync = now;
    }
  }

  /** Write, fsync and close the open file now (shutdown, stop, close). */
  private syncAndClose(): void {
    if (this.fd < 0) return;
    this.writePending();
    try {
      fdatasyncSync(this.fd);
      this.lastFsync = this.nowSec;
    } catch (e) {
      this.server.log.warning(`Fail to fsync the AOF file: ${strerror(e)}`);
    }
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Close an incremental file we no longer append to, after a last fsync, off the event loop. */
  private retire(fd: number): void {
    fdatasync(fd, () => closeAsync(fd, () => {}));
  }

  // ---- rewriting ----

  /** The dataset for a new base file, as an RDB (aof-use-rdb-preamble yes) or as commands, taken now. */
  private baseChunks(): Generator<Buffer, void, undefined> {
    const config = this.server.config;
    if (config.getBool('aof-use-rdb-preamble')) return this.server.persistence.rdbChunks({ aofBase: true });
    return commandChunks(this.server.keyspace, librarySources(this.server), config.getBool('aof-timestamp-enabled') ? this.nowSec : null);
  }

  /** rewriteAppendOnlyFile(): a base file written now, through temp-rewriteaof-<pid>.aof in `dir`. */
  private rewriteNow(target: string): boolean {
    const tmp = path.join(this.server.config.get('dir'), `temp-rewriteaof-${process.pid}.aof`);
    try {
      writeFileNow(tmp, this.baseChunks());
      renameSync(tmp, target);
      return true;
    } catch (e) {
      this.server.log.warning(`Write error writing append only file on disk: ${strerror(e)}`);
      unlinkQuietly(tmp);
      return false;
    }
  }

  /** BGREWRITEAOF as bgrewriteaofCommand() decides; `inExec` is one run by EXEC (always scheduled). */
  bgrewriteCommand(inExec: boolean): 'started' | 'scheduled' | 'busy' | 'err' {
    if (this.rewrite) return 'busy';
    if (this.server.persistence.hasActiveChild() || inExec) {
      this.rewriteScheduled = true;
      this.consecutiveFailures = 0;
      return 'scheduled';
    }
    return this.startRewrite() ? 'started' : 'err';
  }

  /**
   * rewriteAppendOnlyFileBackground(): open a new incremental file and take the snapshot for the new base in the
   * same instant, so every write is in exactly one of them; then write the base in slices while serving (the
   * fork-less way of persistence.ts). When it is done the manifest swaps to the new base.
   */
  startRewrite(): boolean {
    if (this.server.persistence.hasActiveChild()) return false;
    if (!this.makeDir(false)) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.selectedDb = -1; // the new file starts with a SELECT
    this.writePending();
    if (!this.openNewIncr()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewrites++;
    const job: BackgroundJob = {
      tmpFile: path.join(this.server.config.get('dir'), `temp-rewriteaof-bg-${process.pid}.aof`),
      aborted: false,
      startedAt: this.nowSec,
    };
    const chunks = this.baseChunks();
    this.rewrite = job;
    this.rewriteScheduled = false;
    this.server.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    void this.runRewrite(job, chunks);
    return true;
  }

  /** openNewIncrAofForAppend(): the file writes go to from now on; the manifest names it before it is used. */
  private openNewIncr(): boolean {
    if (this.state === 'off') return true;
    const log = this.server.log;
    let am: AofManifest | null = null;
    let name: string;
    if (this.state === 'wait-rewrite') {
      name = `temp-${this.filename}.incr`; // becomes a real incremental file when the first rewrite is done
    } else {
      am = this.manifest.clone();
      name = am.newIncr(this.filename);
    }
    let fd: number;
    try {
      fd = openSync(this.filePath(name), 'w', 0o644);
    } catch (e) {
      log.warning(`Can't open the append-only file ${name}: ${strerror(e)}`);
      return false;
    }
    if (am && !this.persist(am)) {
      closeSync(fd);
      return false;
    }
    log.notice(`Creating AOF incr file ${name} on background rewrite`);
    if (this.fd >= 0) {
      this.retire(this.fd);
      this.lastFsync = this.nowSec;
    }
    this.fd = fd;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    if (am) this.manifest = am;
    return true;
  }

  private async runRewrite(job: BackgroundJob, chunks: Generator<Buffer, void, undefined>): Promise<void> {
    const log = this.server.log;
    let ok = false;
    try {
      ok = await writeFileInSlices(job, chunks);
    } catch (e) {
      if (!job.aborted) log.warning(`Write error writing append only file on disk: ${strerror(e)}`);
    }
    if (job.aborted) return; // abortRewrite() cleaned up already
    this.rewrite = null;
    if (ok) {
      log.notice(`Successfully created the temporary AOF base file ${path.basename(job.tmpFile)}`);
      log.notice('Background AOF rewrite terminated with success');
      ok = this.rewriteDone(job);
    } else {
      log.warning('Background AOF rewrite terminated with error');
    }
    if (!ok) {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
    }
    unlinkQuietly(job.tmpFile);
    if (this.state === 'wait-rewrite') {
      // the first rewrite failed: what was collected for it is useless; a new rewrite is scheduled
      this.pending = [];
      this.pendingBytes = 0;
      log.notice(`Removing the temp incr aof file temp-${this.filename}.incr in the background`);
      unlinkQuietly(this.filePath(`temp-${this.filename}.incr`));
      this.rewriteScheduled = true;
    }
    this.lastRewriteSeconds = this.nowSec - job.startedAt;
  }

  /** backgroundRewriteDoneHandler() on success: the new base (and first incremental file) into the manifest. */
  private rewriteDone(job: BackgroundJob): boolean {
    const log = this.server.log;
    const am = this.manifest.clone();
    const baseName = am.newBase(this.filename, this.server.config.getBool('aof-use-rdb-preamble'));
    const basePath = this.filePath(baseName);
    try {
      renameSync(job.tmpFile, basePath);
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF base file ${path.basename(job.tmpFile)} into ${basePath}: ${strerror(e)}`);
      return false;
    }
    log.notice(`Successfully renamed the temporary AOF base file ${path.basename(job.tmpFile)} into ${baseName}`);
    let incrPath: string | null = null;
    if (this.state === 'wait-rewrite') {
      const tempIncr = `temp-${this.filename}.incr`;
      const incrName = am.newIncr(this.filename);
      incrPath = this.filePath(incrName);
      try {
        renameSync(this.filePath(tempIncr), incrPath);
      } catch (e) {
        log.warning(`Error trying to rename the temporary AOF incr file ${this.filePath(tempIncr)} into ${incrPath}: ${strerror(e)}`);
        unlinkQuietly(basePath);
        return false;
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${incrName}`);
    }
    am.markRewrittenIncrAsHistory(this.fd >= 0);
    if (!this.persist(am)) {
      unlinkQuietly(basePath);
      if (incrPath) unlinkQuietly(incrPath);
      return false;
    }
    this.manifest = am;
    if (this.state !== 'off') {
      this.currentSize = statSync(basePath).size + this.lastIncrSize;
      this.baseSize = this.currentSize;
    }
    this.deleteHistory();
    this.lastBgrewriteStatus = 'ok';
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === 'wait-rewrite') this.state = 'on';
    return true;
  }

  /** killAppendOnlyChild(): stop a rewrite in progress and remove its temp file. */
  abortRewrite(): void {
    const job = this.rewrite;
    if (!job) return;
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    job.aborted = true;
    this.rewrite = null;
    unlinkQuietly(job.tmpFile);
    this.lastRewriteSeconds = this.nowSec - job.startedAt;
  }

  /** serverCron's AOF part: a scheduled rewrite, the once-a-second fsync, retrying a failed write. */
  cron(): void {
    if (!this.server.persistence.hasActiveChild() && this.rewriteScheduled) this.startRewrite();
    if (this.state !== 'off') this.writePending();
  }

  /** The automatic rewrite when the AOF grew by auto-aof-rewrite-percentage over its size after the last one. */
  maybeAutoRewrite(): void {
    const config = this.server.config;
    const perc = config.getNumber('auto-aof-rewrite-percentage');
    if (this.state !== 'on' || !perc || this.currentSize <= config.getNumber('auto-aof-rewrite-min-size')) return;
    const growth = Math.floor((this.currentSize * 100) / (this.baseSize || 1)) - 100;
    if (growth >= perc) {
      this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.startRewrite();
    }
  }

  // ---- appendonly yes/no at run time ----

  /** startAppendOnly(): the AOF begins with a rewrite; writes collect in a temp incremental file meanwhile. */
  private start(): boolean {
    const log = this.server.log;
    this.state = 'wait-rewrite';
    if (this.server.persistence.bgsaveInProgress) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else {
      if (this.rewrite) {
        log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
        this.abortRewrite();
      }
      if (!this.startRewrite()) {
        this.state = 'off';
        log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
        return false;
      }
    }
    this.lastFsync = this.nowSec;
    if (this.fsyncStatus === 'err') {
      log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.fsyncStatus = 'ok';
    }
    if (this.lastWriteStatus === 'err') {
      log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteStatus = 'ok';
    }
    return true;
  }

  /** stopAppendOnly(): flush, fsync and close; a rewrite in progress is stopped. */
  private stop(): void {
    const waiting = this.state === 'wait-rewrite';
    this.syncAndClose();
    this.selectedDb = -1;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    this.abortRewrite();
    if (waiting) unlinkQuietly(this.filePath(`temp-${this.filename}.incr`));
    this.pending = [];
    this.pendingBytes = 0;
  }

  // ---- shutdown ----

  /** finishShutdown()'s AOF part; false when the first AOF is still being written and FORCE was not given. */
  prepareShutdown(force: boolean): boolean {
    const log = this.server.log;
    if (this.rewrite) {
      if (this.state === 'wait-rewrite') {
        if (!force) {
          log.warning("Writing initial AOF, can't exit.");
          return false;
        }
        log.warning('Writing initial AOF. Exit anyway.');
      }
      log.warning('There is a child rewriting the AOF. Killing it!');
      this.abortRewrite();
    }
    if (this.state !== 'off' && this.fd >= 0) {
      log.notice('Calling fsync() on the AOF file.');
      this.writePending();
      try {
        fdatasyncSync(this.fd);
      } catch (e) {
        log.warning(`Fail to fsync the AOF file: ${strerror(e)}.`);
      }
    }
    return true;
  }

  /** The server is closing: stop a rewrite, and leave the file complete and synced. */
  close(): void {
    const job = this.rewrite;
    if (job) {
      job.aborted = true;
      this.rewrite = null;
      unlinkQuietly(job.tmpFile);
    }
    this.syncAndClose();
  }

  // ---- INFO ----

  infoLines(): string[] {
    const job = this.rewrite;
    const lines = [
      `aof_enabled:${this.state !== 'off' ? 1 : 0}`,
      `aof_rewrite_in_progress:${job ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteSeconds}`,
      `aof_current_rewrite_time_sec:${job ? this.nowSec - job.startedAt : -1}`,
      `aof_last_bgrewrite_status:${this.lastBgrewriteStatus}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
      `aof_last_write_status:${this.lastWriteStatus === 'ok' && this.fsyncStatus === 'ok' ? 'ok' : 'err'}`,
    ];
    if (this.server.config.getBool('appendonly')) {
      lines.push(
        `aof_current_size:${this.currentSize}`,
        `aof_base_size:${this.baseSize}`,
        `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}`,
        `aof_buffer_length:${this.pendingBytes}`,
        `aof_pending_bio_fsync:${this.fsyncInFlight ? 1 : 0}`,
        'aof_delayed_fsync:0',
      );
    }
    return lines;
  }
}
