// Runs the uvu suite and prints the one line CI reads: "N passed, N failed". uvu exits 0 when no test ran and
// its summary is not that line (shared/notes/stack-findings.md §5), so this wrapper owns both.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(process.execPath, [uvu, '-r', 'tsx/cjs', 'test', pattern, '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
// stopped from outside (Ctrl-C, `timeout`): stop the suite too, so no test and no server it started lives on
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
child.on('exit', (code, signal) => {
  const last = (re) => { const m = [...out.matchAll(re)]; return m.length ? Number(m[m.length - 1][1]) : null; };
  const total = last(/^\s*Total:\s*(\d+)/gm), passed = last(/^\s*Passed:\s*(\d+)/gm), skipped = last(/^\s*Skipped:\s*(\d+)/gm) ?? 0;
  if (total === null || passed === null) {
    console.log(`0 passed, 1 failed`);
    console.log(`uvu printed no summary (exit ${code ?? signal}): a test file crashed on import?`);
    process.exit(1);
  }
  console.log(`${passed} passed, ${total - passed} failed, ${skipped} skipped`);
  if (total === 0) { console.log('no tests ran'); process.exit(1); }
  process.exit(code === 0 && total === passed ? 0 : 1);
});
