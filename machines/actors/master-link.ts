/**
 * The socket to our master, as an xstate callback actor. It owns the framing: handshake replies, then (after
 * +FULLRESYNC) the RDB payload streamed to the loader, then the command stream — often all in one TCP chunk.
 * It reports lifecycle events to the replica machine; commands go straight to the sink in batches, one per read.
 * It also does the link's clockwork: REPLCONF ACK every second and the repl-timeout on a silent master.
 */
import net from 'node:net';
import { fromCallback } from 'xstate';
import { FrameDecoder, NEED_MORE, ProtocolError } from '../../lib/protocol/decoder';
import { masterStreamRequest, rdbTransferHeader, replyOrKeepalive, type RdbTransferHeader } from '../../lib/protocol/resp';
import { encodeCommand } from '../../lib/protocol/reply';
import type { LinkCommand, LinkEvent, MasterAddress } from '../replica';

/** Where the link delivers what the master sends. Provided by the replication module, faked in tests. */
export interface ReplicaSink {
  /** An RDB payload begins: its byte count, or null when it ends with an EOF mark. */
  beginRdb(length: number | null): void;
  /** Part of the payload, in order. Throws if the data is corrupt. */
  rdbChunk(bytes: Buffer): void;
  /** The payload is complete: load it (throws if it is not a valid RDB). */
  endRdb(): { keys: number };
  /** Commands of the replication stream with their wire size; `write` answers the master (REPLCONF ACK). */
  applyCommands(batch: { argv: string[]; bytes: number }[], write: (bytes: Buffer) => void): void;
  /** The offset to acknowledge (slave_repl_offset). */
  ackOffset(): number;
  /** Bytes of the stream received and not yet applied, for INFO's slave_read_repl_offset. */
  noteRead?(bytes: number): void;
  log(level: 'notice' | 'warning' | 'verbose', message: string): void;
}

export interface MasterLinkOptions {
  sink: ReplicaSink;
  replTimeoutMs: () => number;
  now: () => number;
  /** Seconds between REPLCONF ACKs (replicationCron runs once a second). */
  ackIntervalMs?: number;
  connect?: (addr: MasterAddress) => net.Socket;
}

type Phase = 'handshake' | 'psyncReply' | 'rdbHeader' | 'rdbBody' | 'stream';

const LIMITS = { maxBulkLen: Infinity, maxInlineLen: 64 * 1024, fromMaster: true };

export function createMasterLink(opts: MasterLinkOptions) {
  return fromCallback<LinkCommand, { master: MasterAddress }, LinkEvent>(({ input, sendBack, receive }) => {
    const { sink } = opts;
    const socket = (opts.connect ?? ((a) => net.connect({ host: a.host, port: a.port })))(input.master);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(LIMITS);
    let phase: Phase = 'handshake';
    let rdbLeft = 0; // length form: payload bytes still to come
    let eofMark: Buffer | null = null; // EOF form: the mark, and the bytes held back that may be it
    let heldBack: Buffer = Buffer.alloc(0);
    let lastIo = opts.now();
    let closed = false;

    const close = (reason: string) => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      socket.destroy();
      sendBack({ type: 'link.closed', reason });
    };
    const write = (bytes: Buffer) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const sendAck = () => write(encodeCommand(['REPLCONF', 'ACK', String(sink.ackOffset())]));

    // replicationCron's part for the link: ACK once a second while streaming; drop a master silent for too long.
    const timer = setInterval(() => {
      if (phase === 'stream') sendAck();
      if ((phase === 'rdbHeader' || phase === 'rdbBody' || phase === 'stream') && opts.now() - lastIo > opts.replTimeoutMs()) {
        sink.log('warning', 'MASTER timeout: no data nor PING received...');
        close('timeout: no data from master');
      }
    }, opts.ackIntervalMs ?? 1000);
    timer.unref?.();

    const finishRdb = () => {
      phase = 'stream';
      let result: { keys: number };
      try {
        result = sink.endRdb();
      } catch (e) {
        sendBack({ type: 'link.rdbFailed', error: (e as Error).message });
        return false;
      }
      sendBack({ type: 'link.rdbLoaded', keys: result.keys });
      sendAck(); // after a diskless transfer the master waits for this ACK before streaming
      return true;
    };

    /** Consume what the decoder holds, phase by phase, until it needs more bytes. */
    const pump = () => {
      for (;;) {
        if (closed) return;
        if (phase === 'handshake' || phase === 'psyncReply') {
          const frame = nextReply();
          if (frame === NEED_MORE) return;
          if (phase === 'psyncReply' && frame.kind === 'simple' && /^(FULLRESYNC|CONTINUE)\b/.test(frame.text)) {
            const [word, id, offset] = frame.text.split(' ');
            if (word === 'FULLRESYNC') {
              phase = 'rdbHeader';
              sendBack({ type: 'link.fullresync', replid: id ?? '', offset: Number(offset ?? 0) });
            } else {
              phase = 'stream';
              sendBack({ type: 'link.continue', replid: id ?? null });
            }
          } else {
            sendBack({ type: 'link.reply', reply: frame });
          }
        } else if (phase === 'rdbHeader') {
          const header = decoder.next(rdbTransferHeader) as RdbTransferHeader | null | typeof NEED_MORE;
          if (header === NEED_MORE) return;
          if (header === null) continue; // keepalive newline
          try {
            sink.beginRdb(header.kind === 'length' ? header.length : null);
          } catch (e) {
            sendBack({ type: 'link.rdbFailed', error: (e as Error).message });
            return close('RDB load refused');
          }
          phase = 'rdbBody';
          if (header.kind === 'length') {
            rdbLeft = header.length;
            eofMark = null;
            sink.log('notice', `MASTER <-> REPLICA sync: receiving ${header.length} bytes from master to disk`);
          } else {
            eofMark = Buffer.from(header.mark, 'latin1');
            heldBack = Buffer.alloc(0);
            sink.log('notice', 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
          }
        } else if (phase === 'rdbBody') {
          if (!pumpRdb()) return;
        } else {
          if (!pumpStream()) return;
        }
      }
    };

    const nextReply = () => {
      // Masters send bare newlines as keepalives while they prepare; they are not replies.
      for (;;) {
        const r = decoder.next(replyOrKeepalive);
        if (r !== null) return r;
      }
    };

    /** Feed payload bytes to the loader; true when the payload ended (phase changed). */
    const pumpRdb = (): boolean => {
      try {
        if (eofMark === null) {
          while (rdbLeft > 0) {
            const chunk = decoder.takeRaw(rdbLeft);
            if (chunk === null) return false;
            rdbLeft -= chunk.length;
            sink.rdbChunk(chunk);
          }
        } else {
          for (;;) {
            const chunk = decoder.takeRaw(Infinity);
            if (chunk === null) break;
            heldBack = heldBack.length ? Buffer.concat([heldBack, chunk]) : chunk;
            const keep = Math.min(heldBack.length, eofMark.length);
            if (heldBack.length > keep) {
              sink.rdbChunk(heldBack.subarray(0, heldBack.length - keep));
              heldBack = Buffer.from(heldBack.subarray(heldBack.length - keep));
            }
          }
          if (!(heldBack.length === eofMark.length && heldBack.equals(eofMark))) return false;
        }
      } catch (e) {
        sendBack({ type: 'link.rdbFailed', error: (e as Error).message });
        close('RDB load failed');
        return false;
      }
      return finishRdb();
    };

    /** Apply the commands the buffer holds, in one batch; false when it needs more bytes. */
    const pumpStream = (): boolean => {
      const batch: { argv: string[]; bytes: number }[] = [];
      let more = true;
      try {
        for (;;) {
          const argv = decoder.next(masterStreamRequest);
          if (argv === NEED_MORE) {
            more = false;
            break;
          }
          if (argv.length) batch.push({ argv, bytes: decoder.lastFrameBytes });
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        if (batch.length) sink.applyCommands(batch, write);
        sink.log('warning', `Protocol error from master (${e.reason}): closing the link`);
        close(`protocol error from master: ${e.reason}`);
        return false;
      }
      if (batch.length) sink.applyCommands(batch, write);
      return more;
    };

    socket.on('connect', () => {
      lastIo = opts.now();
      sendBack({ type: 'link.connected' });
    });
    socket.on('data', (chunk) => {
      lastIo = opts.now();
      decoder.feed(chunk);
      if (phase === 'stream') sink.noteRead?.(chunk.length);
      try {
        pump();
      } catch (e) {
        sink.log('warning', `Replication link failed: ${(e as Error).stack ?? e}`);
        close(`link error: ${(e as Error).message}`);
      }
    });
    socket.on('error', (err) => close(`Error condition on socket for SYNC: ${err.message}`));
    socket.on('close', () => close('connection lost'));

    receive((cmd) => {
      if (cmd.type === 'expectPsyncReply') phase = 'psyncReply';
      else if (cmd.type === 'send') write(encodeCommand(cmd.argv));
    });

    return () => {
      closed = true;
      clearInterval(timer);
      socket.destroy();
    };
  });
}
