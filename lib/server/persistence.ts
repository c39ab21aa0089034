/**
 * RDB persistence (rdb.c's saving side, loadDataFromDisk and the save points of serverCron): the dump file loaded
 * at start, SAVE, BGSAVE without fork(), save points checked by the cron with the injected clock, the final save
 * of SHUTDOWN, and INFO persistence's rdb_* fields. The append-only file lives in aof.ts; the RDB format in lib/rdb.
 */
import {
  closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync, writev,
} from 'node:fs';
import path from 'node:path';
import { loadLimitsOf, RdbLoader, type LoadStats } from '../rdb/load';
import { RdbError } from '../rdb/errors';
import { writeRdb, type WriteOptions } from '../rdb/write';
import { installRdbLibraries, librarySources } from '../scripting/functions';
import { extendInfoSection } from './info';
import type { Server } from './server';
import { REDIS_VERSION } from './server';

/** The server cannot start: the reason is already in the log, as Redis logs it before exit(1). */
export class FatalStartupError extends Error {
  override name = 'FatalStartupError';
}

/** SHUTDOWN's options (and shutdown-on-sigint/-sigterm's words). */
export interface ShutdownFlags {
  save?: boolean;
  nosave?: boolean;
  now?: boolean;
  force?: boolean;
}

/** A failed BGSAVE is retried by the save points only after this many seconds (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY = 5;

/** One slice of background saving holds the event loop at most about this long (ms) before yielding. */
const SLICE_MS = 4;

/** A file being written by a background job: stopped by abort(), which also removes what it wrote. */
export interface BackgroundJob {
  readonly tmpFile: string;
  aborted: boolean;
  /** Unix seconds when it started. */
  readonly startedAt: number;
}

/** A file-system error as strerror() words it. */
const ERR_MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory', EEXIST: 'File exists',
    EIO: 'Input/output error', EPERM: 'Operation not permitted', EINVAL: 'Invalid argument', EXDEV: 'Invalid cross-device link',
  };
  return (code && texts[code]) || (e as Error)?.message || String(e);
}

/** fsyncFileDir(): make a rename in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Remove a file if it is there; a missing file is fine. */
export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Write every chunk to `file` now and fsync it: the blocking path of SAVE and of a rewrite at startup. */
export function writeFileNow(file: string, chunks: Iterable<Buffer>): void {
  const fd = openSync(file, 'w', 0o644);
  try {
    for (const chunk of chunks) {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    }
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write every chunk to `job.tmpFile` without stopping the server: chunks are pulled for a few milliseconds, then
 * written by the thread pool while the event loop serves clients, then the next slice; at the end the file is
 * fsynced off the event loop too. Pulling a chunk is what serialises the dataset, so this is where the "serialise
 * in slices between other work" of a fork-less BGSAVE happens. The file is created before this returns its
 * promise, so an abort() right after the start finds it to remove. Resolves false if aborted meanwhile.
 */
export async function writeFileInSlices(job: BackgroundJob, chunks: Iterator<Buffer>): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(job.tmpFile, 'w', 0o644);
  } catch (e) {
    chunks.return?.();
    throw e;
  }
  try {
    for (;;) {
      if (job.aborted) return false;
      const slice: Buffer[] = [];
      const start = performance.now();
      let done = false;
      while (performance.now() - start < SLICE_MS) {
        const step = chunks.next();
        if (step.done) {
          done = true;
          break;
        }
        slice.push(step.value);
      }
      if (slice.length) await writevAll(fd, slice);
      if (done) break;
    }
    if (job.aborted) return false;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    return !job.aborted;
  } finally {
    chunks.return?.();
    closeSync(fd);
  }
}

/** writev() on the thread pool until every byte is written. */
async function writevAll(fd: number, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  for (;;) {
    const total = rest.reduce((n, b) => n + b.length, 0);
    const written = await new Promise<number>((resolve, reject) => writev(fd, rest, (err, n) => (err ? reject(err) : resolve(n))));
    if (written >= total) return;
    rest = [Buffer.concat(rest, total).subarray(written)];
  }
}

/** `save "3600 1 300 100"` as {seconds, changes} pairs. */
function parseSavePoints(value: string): { seconds: number; changes: number }[] {
  const words = value.split(' ').filter(Boolean);
  const points = [];
  for (let i = 0; i + 1 < words.length; i += 2) points.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
  return points;
}

/**
 * BGSAVE without fork(): Redis's child gets a frozen copy of memory from fork() and copy-on-write pages. Node has
 * no fork, and a child process would need the whole dataset sent to it, so toyredis takes the point-in-time view
 * another way: writeRdb() starts a copy-on-write Snapshot (lib/store/snapshot.ts) at the instant of BGSAVE, which
 * keeps the old version of any key changed before the walk reaches it, and the walk is serialised a slice of a few
 * milliseconds at a time between other work (writeFileInSlices). Clients are served throughout; the file holds
 * exactly the dataset of the BGSAVE instant; the cost is a copy of each key written during the save, not of all.
 */
export class Persistence {
  /** The BGSAVE in progress (rdb_child_type RDB_CHILD_TYPE_DISK). */
  private bgsave: (BackgroundJob & { dirtyBefore: number }) | null = null;
  /** BGSAVE SCHEDULE while an AOF rewrite ran: start one when it is done (rdb_bgsave_scheduled). */
  bgsaveScheduled = false;
  private savePoints: { seconds: number; changes: number }[] = [];
  lastBgsaveStatus: 'ok' | 'err' = 'ok';

  /** stop-writes-on-bgsave-error: with save points set, a failed background save stops writes until one succeeds. */
  get diskError(): string | null {
    const c = this.server.config;
    if (this.lastBgsaveStatus !== 'err' || c.get('save') === '' || !c.getBool('stop-writes-on-bgsave-error')) return null;
    return ERR_MISCONF_RDB;
  }
  /** Unix seconds of the last BGSAVE attempt (lastbgsave_try). */
  private lastBgsaveTry = 0;
  private lastBgsaveSeconds = -1;
  private saves = 0;
  private lastLoad = { keys: 0, expired: 0 };

  constructor(private readonly server: Server) {
    server.config.watch('save', (v) => (this.savePoints = parseSavePoints(v)));
    if (!infoRegistered) {
      // registered here, not at import, so the import cycle through info.ts never sees it half-initialised
      infoRegistered = true;
      extendInfoSection('persistence', (s) => [...s.persistence.infoLines(), ...s.aof.infoLines()]);
    }
  }

  private get nowSec(): number {
    return Math.floor(this.server.clock.now() / 1000);
  }

  /** The dump file: `dir`/`dbfilename`. */
  rdbPath(): string {
    return path.join(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  /** temp-<pid>.rdb in `dir`, as rdbSave() names it. */
  private tmpPath(): string {
    return path.join(this.server.config.get('dir'), `temp-${process.pid}.rdb`);
  }

  /** When LASTSAVE says the dataset was last saved (the start counts as a save). */
  get lastSave(): number {
    return this.server.stats.lastSave ?? Math.floor(this.server.startedAt / 1000);
  }

  get bgsaveInProgress(): boolean {
    return this.bgsave !== null;
  }

  /** An RDB or AOF job is running: Redis allows one child at a time, and so does toyredis. */
  hasActiveChild(): boolean {
    return this.bgsave !== null || this.server.aof.rewriteInProgress;
  }

  private writeOptions(extra: WriteOptions = {}): WriteOptions {
    const config = this.server.config;
    return {
      redisVersion: REDIS_VERSION,
      ctime: this.nowSec,
      compression: config.getBool('rdbcompression'),
      checksum: config.getBool('rdbchecksum'),
      functions: librarySources(this.server),
      ...extra,
    };
  }

  /** The dataset as RDB chunks, from the instant of this call (see the class comment). */
  rdbChunks(extra: WriteOptions = {}): Generator<Buffer, void, undefined> {
    return writeRdb(this.server.keyspace, this.writeOptions(extra));
  }

  // ---- loading at start ----

  /**
   * What Redis does at start (aofLoadManifestFromDisk, loadDataFromDisk, aofOpenIfNeededOnServerStart): the AOF
   * when appendonly is on, else the RDB file if there is one. A file that cannot be read whole is fatal: logged as
   * Redis logs it, then FatalStartupError (the command line exits 1). An RDB is swapped in only once wholly read.
   */
  loadAtStart(): void {
    const aof = this.server.aof;
    aof.loadManifest();
    if (this.server.config.getBool('appendonly')) aof.loadAtStart();
    else this.loadRdbAtStart();
    aof.openAtStart();
    aof.deleteHistory();
  }

  private loadRdbAtStart(): void {
    const server = this.server;
    const file = this.rdbPath();
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      server.log.warning(`Fatal error loading the DB: ${strerror(e)}. Exiting.`);
      throw new FatalStartupError(`cannot open ${file}`);
    }
    const start = performance.now();
    server.loading = true;
    try {
      this.noteLoaded(this.loadRdbFrom(fd));
    } catch (e) {
      if (e instanceof RdbError) {
        this.reportLoadFailure(e);
        throw new FatalStartupError(e.message);
      }
      if (!(e as NodeJS.ErrnoException).code) throw e;
      server.log.warning(`Fatal error loading the DB: ${strerror(e)}. Exiting.`); // a read error (EISDIR, EIO)
      throw new FatalStartupError(strerror(e));
    } finally {
      closeSync(fd);
      server.loading = false;
    }
    server.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  }

  /** rdb_last_load_keys_loaded / _expired: the last RDB read, a dump file or an AOF base. */
  noteLoaded(stats: LoadStats): void {
    this.lastLoad = { keys: stats.keysLoaded, expired: stats.expiredDropped };
  }

  /** Stream an RDB from an open file into the keyspace (a master drops keys already expired, as rdbLoad does). */
  private loadRdbFrom(fd: number, merge: { keepExisting?: boolean; allowDuplicates?: boolean } = {}): LoadStats {
    const server = this.server;
    const isMaster = server.config.get('replicaof') === '';
    const loader = new RdbLoader(server.keyspace, {
      ...merge,
      dropExpired: isMaster,
      log: server.log,
      verifyChecksum: server.config.getBool('rdbchecksum'),
      functions: installRdbLibraries(server, !merge.keepExisting ? 'flush' : merge.allowDuplicates ? 'replace' : 'append'),
      limits: loadLimitsOf(server.config),
    });
    for (;;) {
      const buf = Buffer.allocUnsafe(256 * 1024); // a fresh buffer each time: the reader may keep views of it
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      loader.feed(buf.subarray(0, n));
      if (loader.done) break;
    }
    return loader.end();
  }

  /** rdbReportError() and its callers' lines: what went wrong and where, then the end. */
  private reportLoadFailure(e: RdbError): void {
    const log = this.server.log;
    const where = `Internal error in RDB reading offset ${e.offset ?? 0} -> `;
    if (e.message.startsWith('Wrong signature') || e.message.startsWith("Can't handle RDB format version")) {
      log.warning(e.message);
      log.warning('Fatal error loading the DB: Invalid argument. Exiting.');
      return;
    }
    if (e.message.startsWith('Short read')) {
      log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      log.warning(`${where}Unexpected EOF reading RDB file`);
    } else if (e.message.startsWith('Wrong RDB checksum')) {
      log.warning(`${e.message}. Aborting now.`);
      log.warning(`${where}RDB CRC error`);
    } else {
      log.warning(`${where}${e.message}`);
    }
    log.warning('Terminating server after rdb file reading failure.');
  }

  // ---- DEBUG RELOAD ----

  /**
   * DEBUG RELOAD: save the dump file (unless NOSAVE), then load it back, in place of the dataset or (NOFLUSH) next
   * to it, MERGE letting the file's keys replace those in memory. The dataset changes only once the file has been
   * read whole. Returns the error reply's text, or null.
   */
  debugReload(opts: { save: boolean; flush: boolean; merge: boolean }): string | null {
    if (opts.save && !this.saveNow()) return 'ERR';
    let fd: number;
    try {
      fd = openSync(this.rdbPath(), 'r');
    } catch {
      return 'ERR Error trying to load the RDB dump';
    }
    try {
      this.noteLoaded(this.loadRdbFrom(fd, { keepExisting: !opts.flush, allowDuplicates: opts.merge }));
    } catch (e) {
      if (!(e instanceof RdbError) && !(e as NodeJS.ErrnoException).code) throw e;
      this.server.log.warning(`DEBUG RELOAD: ${(e as Error).message}`);
      return 'ERR Error trying to load the RDB dump';
    } finally {
      closeSync(fd);
    }
    this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return null;
  }

  // ---- SAVE ----

  /**
   * rdbSave(): the whole dataset to temp-<pid>.rdb, fsync, rename over the dump file, fsync the directory. The
   * server waits (SAVE blocks, as in Redis). A failure leaves the previous file untouched. True on success.
   */
  saveNow(): boolean {
    const log = this.server.log;
    const tmp = this.tmpPath();
    const final = this.rdbPath();
    let op = 'rdbSaveRio';
    try {
      writeFileNow(tmp, this.rdbChunks());
      op = 'rename';
      renameSync(tmp, final);
      op = 'fsyncFileDir';
      fsyncDir(path.dirname(final));
    } catch (e) {
      if (op === 'rename') {
        log.warning(`Error moving temp DB file ${path.basename(tmp)} on the final destination ${path.basename(final)} (in server root dir ${path.dirname(final)}): ${strerror(e)}`);
      } else if ((e as NodeJS.ErrnoException).syscall === 'open') {
        log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${path.dirname(tmp)}) for saving: ${strerror(e)}`);
      } else {
        log.warning(`Write error saving DB on disk(${op}): ${strerror(e)}`);
      }
      unlinkQuietly(tmp);
      return false;
    }
    log.notice('DB saved on disk');
    this.server.keyspace.dirty = 0;
    this.server.stats.lastSave = this.nowSec;
    this.lastBgsaveStatus = 'ok';
    return true;
  }

  /** SAVE: refused while a BGSAVE runs (both would write the same temp file). */
  saveCommand(): 'ok' | 'err' | 'busy' {
    if (this.bgsave) return 'busy';
    this.saves++;
    return this.saveNow() ? 'ok' : 'err';
  }

  // ---- BGSAVE ----

  /** BGSAVE [SCHEDULE] as bgsaveCommand() decides; `inExec` is a BGSAVE run by EXEC (always scheduled). */
  bgsaveCommand(schedule: boolean, inExec: boolean): 'started' | 'scheduled' | 'busy' | 'other-child' | 'err' {
    if (this.bgsave) return 'busy';
    if (this.hasActiveChild() || inExec) {
      if (!schedule && !inExec) return 'other-child';
      this.bgsaveScheduled = true;
      return 'scheduled';
    }
    return this.startBgsave() ? 'started' : 'err';
  }

  /** rdbSaveBackground(): the snapshot is taken now; the file is written while the server keeps serving. */
  startBgsave(): boolean {
    if (this.hasActiveChild()) return false;
    this.saves++;
    const now = this.nowSec;
    this.lastBgsaveTry = now;
    const job = { tmpFile: this.tmpPath(), aborted: false, startedAt: now, dirtyBefore: this.server.keyspace.dirty };
    const chunks = this.rdbChunks();
    this.bgsave = job;
    this.server.log.notice(`Background saving started by pid ${process.pid}`);
    void this.runBgsave(job, chunks);
    return true;
  }

  private async runBgsave(job: BackgroundJob & { dirtyBefore: number }, chunks: Generator<Buffer, void, undefined>): Promise<void> {
    const log = this.server.log;
    const final = this.rdbPath();
    let ok = false;
    try {
      if (await writeFileInSlices(job, chunks)) {
        renameSync(job.tmpFile, final);
        fsyncDir(path.dirname(final));
        ok = true;
      }
    } catch (e) {
      if (!job.aborted) {
        const err = e as NodeJS.ErrnoException;
        if (err.syscall === 'open') log.warning(`Failed opening the temp RDB file ${path.basename(job.tmpFile)} (in server root dir ${path.dirname(job.tmpFile)}) for saving: ${strerror(e)}`);
        else if (err.syscall === 'rename') log.warning(`Error moving temp DB file ${path.basename(job.tmpFile)} on the final destination ${path.basename(final)} (in server root dir ${path.dirname(final)}): ${strerror(e)}`);
        else log.warning(`Write error saving DB on disk: ${strerror(e)}`);
        unlinkQuietly(job.tmpFile);
      }
    }
    if (job.aborted) return; // abort() already cleaned up; the temp name may belong to a new save by now
    this.bgsave = null;
    const now = this.nowSec;
    this.lastBgsaveSeconds = now - job.startedAt;
    if (ok) {
      log.notice('DB saved on disk');
      log.notice('Background saving terminated with success');
      const ks = this.server.keyspace;
      ks.dirty = Math.max(0, ks.dirty - job.dirtyBefore);
      this.server.stats.lastSave = now;
      this.lastBgsaveStatus = 'ok';
    } else {
      log.warning('Background saving error');
      this.lastBgsaveStatus = 'err';
    }
  }

  /** killRDBChild() + rdbRemoveTempFile(): stop the BGSAVE in progress, without counting it as an error. */
  abortBgsave(): void {
    const job = this.bgsave;
    if (!job) return;
    job.aborted = true;
    this.bgsave = null;
    this.lastBgsaveSeconds = this.nowSec - job.startedAt;
    unlinkQuietly(job.tmpFile);
  }

  // ---- the cron ----

  /** serverCron's persistence part: save points, a scheduled BGSAVE, and the AOF's periodic work. */
  cron(): void {
    const now = this.nowSec;
    const aof = this.server.aof;
    aof.cron();
    if (!this.hasActiveChild()) {
      const dirty = this.server.keyspace.dirty;
      for (const sp of this.savePoints) {
        if (dirty >= sp.changes && now - this.lastSave > sp.seconds && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')) {
          this.server.log.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
          this.startBgsave();
          break;
        }
      }
      if (!this.hasActiveChild()) aof.maybeAutoRewrite();
    }
    if (!this.hasActiveChild() && this.bgsaveScheduled && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')) {
      if (this.startBgsave()) this.bgsaveScheduled = false;
    }
  }

  // ---- shutdown ----

  /**
   * finishShutdown()'s persistence part: stop background jobs, flush and fsync the AOF, and save the final RDB
   * when save points are set (or SAVE was asked) unless NOSAVE. False when that save failed without FORCE: the
   * server must keep running (SHUTDOWN then answers an error).
   */
  prepareShutdown(flags: ShutdownFlags): boolean {
    const server = this.server;
    const log = server.log;
    let { save, nosave } = flags;
    if (server.loading) {
      save = false;
      nosave = true;
    }
    if (this.bgsave) {
      log.warning('There is a child saving an .rdb. Killing it!');
      this.abortBgsave();
    }
    if (!server.aof.prepareShutdown(!!flags.force)) return false;
    if ((this.savePoints.length > 0 && !nosave) || save) {
      log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.saveNow()) {
        if (!flags.force) {
          log.warning("Error trying to save the DB, can't exit.");
          return false;
        }
        log.warning('Error trying to save the DB. Exit anyway.');
      }
    }
    return true;
  }

  /** The server is closing (tests, shutdown): stop what runs in the background, close the AOF. */
  close(): void {
    const job = this.bgsave;
    if (job) {
      job.aborted = true;
      this.bgsave = null;
      unlinkQuietly(job.tmpFile);
    }
    this.server.aof.close();
  }

  // ---- INFO ----

  /** INFO persistence's rdb_* fields (genRedisInfoString); the AOF adds its own. */
  infoLines(): string[] {
    const server = this.server;
    const job = this.bgsave;
    return [
      `loading:${server.loading ? 1 : 0}`,
      `rdb_changes_since_last_save:${server.keyspace.dirty}`,
      `rdb_bgsave_in_progress:${job ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSave}`,
      `rdb_last_bgsave_status:${this.lastBgsaveStatus}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveSeconds}`,
      `rdb_current_bgsave_time_sec:${job ? this.nowSec - job.startedAt : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_load_keys_expired:${this.lastLoad.expired}`,
      `rdb_last_load_keys_loaded:${this.lastLoad.keys}`,
    ];
  }
}

let infoRegistered = false;
