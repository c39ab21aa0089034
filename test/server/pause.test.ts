import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { OK } from '../helpers/resp';

const test = suite('server/pause');

let srv: InProcess;
let admin: RawConnection;
let other: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  admin = await srv.connect();
  other = await srv.connect();
});

test.after.each(() => srv.stop());

/** Nothing arrives on `conn` for a while (the command is held). */
async function silent(conn: RawConnection, ms = 100): Promise<void> {
  const before = conn.received().length;
  await new Promise((r) => setTimeout(r, ms));
  assert.is(conn.received().length, before, 'a held command got no reply yet');
}

test('PAUSE ALL holds every command, CLIENT UNPAUSE included (as Redis), until the pause ends; order is kept', async () => {
  await runRows(admin, [[['SET', 'k', '1'], OK], [['CLIENT', 'PAUSE', '100000'], OK]]);
  other.send('INCR', 'k');
  other.send('GET', 'k');
  admin.send('CLIENT', 'UNPAUSE');
  await silent(other);
  await silent(admin, 10);
  srv.server.pause.unpause(); // what the timeout would do
  assert.is(await other.readRaw(), ':2\r\n');
  assert.is(await other.readRaw(), '$1\r\n2\r\n');
  assert.is(await admin.readRaw(), OK);
});

test('PAUSE WRITE lets reads through and holds writes, even one being queued in MULTI (as Redis)', async () => {
  await runRows(admin, [[['SET', 'k', 'v'], OK], [['CLIENT', 'PAUSE', '100000', 'WRITE'], OK]]);
  await runRows(other, [[['GET', 'k'], '$1\r\nv\r\n'], [['MULTI'], OK]]);
  other.send('SET', 'k', 'w');
  other.send('EXEC');
  await silent(other);
  await runRows(admin, [[['GET', 'k'], '$1\r\nv\r\n'], [['CLIENT', 'UNPAUSE'], OK]]);
  assert.is(await other.readRaw(), '+QUEUED\r\n');
  assert.is(await other.readRaw(), '*1\r\n+OK\r\n');
  await runRows(admin, [[['GET', 'k'], '$1\r\nw\r\n']]);
});

test('PAUSE WRITE holds an EXEC whose queue writes', async () => {
  await runRows(other, [[['MULTI'], OK], [['SET', 'k', 'w'], '+QUEUED\r\n']]);
  await runRows(admin, [[['CLIENT', 'PAUSE', '100000', 'WRITE'], OK]]);
  other.send('EXEC');
  await silent(other);
  await runRows(admin, [[['CLIENT', 'UNPAUSE'], OK]]);
  assert.is(await other.readRaw(), '*1\r\n+OK\r\n');
});

test('a WRITE pause does not delete expired keys: they read as absent and stay until it ends', async () => {
  await runRows(admin, [[['SET', 'e', 'v', 'PX', '10'], OK], [['CLIENT', 'PAUSE', '100000', 'WRITE'], OK]]);
  srv.clock.advance(20);
  await runRows(other, [[['GET', 'e'], '$-1\r\n'], [['DBSIZE'], ':1\r\n']]);
  srv.server.keyspace.activeExpireCycle();
  await runRows(other, [[['DBSIZE'], ':1\r\n']]);
  await runRows(admin, [[['CLIENT', 'UNPAUSE'], OK]]);
  await runRows(other, [[['GET', 'e'], '$-1\r\n'], [['DBSIZE'], ':0\r\n']]);
});

test('the pause ends by itself after its timeout; arguments are checked', async () => {
  await runRows(admin, [
    [['CLIENT', 'PAUSE', 'abc'], '-ERR timeout is not an integer or out of range\r\n'],
    [['CLIENT', 'PAUSE', '-1'], '-ERR timeout is negative\r\n'],
    [['CLIENT', 'PAUSE', '10', 'SOME'], '-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n'],
    [['CLIENT', 'PAUSE', '10', 'WRITE', 'x'], /^-ERR unknown subcommand or wrong number of arguments for 'PAUSE'/],
  ]);
  srv.clock.ms = Date.now(); // the timer runs on real time; make the server clock agree
  await runRows(admin, [[['CLIENT', 'PAUSE', '50'], OK]]);
  other.send('PING');
  srv.clock.ms += 60;
  assert.is(await other.readRaw(), '+PONG\r\n');
});

test('a held client that disconnects is forgotten', async () => {
  await runRows(admin, [[['CLIENT', 'PAUSE', '100000', 'WRITE'], OK]]);
  other.send('SET', 'x', '1');
  await silent(other, 50);
  other.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.is(srv.server.pause.heldCount, 0);
  await runRows(admin, [[['CLIENT', 'UNPAUSE'], OK], [['GET', 'x'], '$-1\r\n']]);
});

test.run();
