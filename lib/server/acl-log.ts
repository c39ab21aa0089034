/**
 * The ACL LOG (acl.c addACLLogEntry): denied commands, keys, channels and failed AUTHs, newest first. A denial like
 * one of the last ten entries within a minute bumps that entry's count instead of adding another; the log keeps at
 * most acllog-max-len entries. The ACL command family (lib/commands/acl.ts) prints it.
 */

/** Why an entry was logged (ACL_DENIED_* in server.h), as ACL LOG prints it. */
export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';

/** Where the denied call came from (ACL_LOG_CTX_*). */
export type AclLogContext = 'toplevel' | 'multi' | 'lua';

export interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: AclLogContext;
  /** The command's full name, the key or channel, or for a failed AUTH the command name as typed. */
  object: string;
  username: string;
  /** Milliseconds time of the last occurrence. */
  ctime: number;
  /** CLIENT LIST's line for the client, as of the last occurrence. */
  clientInfo: string;
}

/** ACL_LOG_GROUPING_MAX_TIME_DELTA: occurrences further apart than this are separate entries. */
const GROUPING_MS = 60000;
/** How many recent entries a new one is compared with. */
const GROUPING_SCAN = 10;

export class AclLog {
  /** Newest first. */
  entries: AclLogEntry[] = [];

  add(entry: Omit<AclLogEntry, 'count'>, maxLen: number): void {
    const scan = Math.min(GROUPING_SCAN, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const e = this.entries[i];
      if (
        e.reason === entry.reason && e.context === entry.context && Math.abs(e.ctime - entry.ctime) <= GROUPING_MS &&
        e.object === entry.object && e.username === entry.username
      ) {
        // the repeated event moves to the head, with the latest time and client
        this.entries.splice(i, 1);
        this.entries.unshift({ ...e, count: e.count + 1, ctime: entry.ctime, clientInfo: entry.clientInfo });
        return;
      }
    }
    this.entries.unshift({ ...entry, count: 1 });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
