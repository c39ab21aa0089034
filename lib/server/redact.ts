/**
 * Arguments that hold secrets, as MONITOR and SLOWLOG show them: replaced by "(redacted)", as the commands that read
 * them mark them with redactClientCommandArgument() — AUTH, HELLO … AUTH, MIGRATE … AUTH/AUTH2, CONFIG SET of a
 * sensitive parameter, and ACL SETUSER's user name and rules (passwords hide among them).
 */
import type { Server } from './server';
import { aclOf } from './acl';

export const REDACTED = '(redacted)';

export function redactedArgv(server: Server, argv: readonly string[]): readonly string[] {
  const name = argv[0].toLowerCase();
  if (name === 'auth') {
    if (argv.length > 3) return argv; // a syntax error before anything was read
    return argv.map((a, i) => (i >= 1 ? REDACTED : a));
  }
  if (name === 'hello' && argv.length > 2) {
    if (!/^[23]$/.test(argv[1])) return argv; // NOPROTO or not a number: no option was read
    const out = [...argv];
    for (let j = 2; j < argv.length; j++) {
      const opt = argv[j].toLowerCase();
      const more = argv.length - 1 - j;
      if (opt === 'auth' && more >= 2) {
        out[j + 1] = out[j + 2] = REDACTED;
        if (!aclOf(server).checkCredentials(argv[j + 1], argv[j + 2])) break; // a failed AUTH stops HELLO here
        j += 2;
      } else if (opt === 'setname' && more >= 1 && /^[\x21-\x7e]*$/.test(argv[j + 1])) {
        j++;
      } else {
        break; // HELLO stops at the first bad option
      }
    }
    return out;
  }
  if (name === 'migrate') {
    // the options start after the timeout, and end at KEYS or the first one MIGRATE refuses
    const out = [...argv];
    for (let i = 6; i < out.length; i++) {
      const opt = out[i].toLowerCase();
      if (opt === 'auth' && i + 1 < out.length) out[++i] = REDACTED;
      else if (opt === 'auth2' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = REDACTED;
        i += 2;
      } else if (opt !== 'copy' && opt !== 'replace') break;
    }
    return out;
  }
  if (name === 'config' && argv.length > 2 && argv[1].toLowerCase() === 'set') {
    const out = [...argv];
    for (let i = 2; i + 1 < out.length; i += 2) {
      if (server.config.spec(out[i])?.flags.includes('sensitive')) out[i + 1] = REDACTED;
    }
    return out;
  }
  if (name === 'acl' && argv.length > 2 && argv[1].toLowerCase() === 'setuser') {
    return argv.map((a, i) => (i >= 2 ? REDACTED : a)); // the user name too, as Redis hides it
  }
  return argv;
}
