/** Redis's glob (stringmatchlen): a table of pattern/string/answer, the quirks, and patterns that must not hang. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGlob, stringMatch } from '../../lib/store/glob';

const glob = suite('store/glob');

// [pattern, string, matches, nocase?] — answers checked against Redis 7.0's util.c stringmatchlen.
const cases: [string, string, boolean, boolean?][] = [
  ['', '', true],
  ['', 'a', false],
  ['a', 'a', true],
  ['a', 'b', false],
  ['abc', 'abc', true],
  ['abc', 'ab', false],
  ['ab', 'abc', false],
  ['*', 'anything', true],
  ['*', '', false], // Redis's loop never runs on an empty string: callers special-case "*"
  ['**', '', false],
  ['a*', 'a', true],
  ['a**', 'a', true],
  ['*a', 'a', true],
  ['*a*', 'a', true],
  ['*a*', 'bab', true],
  ['*a*', 'bbb', false],
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h*llo', 'hello world', false],
  ['*.txt', 'notes.txt', true],
  ['*.txt', 'notes.txt.bak', false],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXcYb', false],
  ['a*b', 'ab', true],
  ['a*b', 'a', false],
  ['?', 'a', true],
  ['?', '', false],
  ['?', 'ab', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['*?', 'a', true],
  ['?*', 'a', true],
  ['h[ae]llo', 'hello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['[z-a]', 'm', true], // a range works in either order
  ['[a-]', ']', true], // `]` became the end of the range a..] (swapped: ]..a) and the class runs to the end
  ['[a-]', '^', true],
  ['[a-]', 'b', false],
  ['[', 'a', false], // an unterminated class with nothing in it
  ['[^', 'a', true],
  ['[abc', 'b', true], // unterminated: the class takes the rest of the pattern
  ['[abc', 'bc', false],
  ['[]]', ']', false], // `]` right after `[` closes an empty class, then a literal `]`
  ['[]]', ']]', false],
  ['[\\]]', ']', true], // an escaped `]` inside a class
  ['[\\-]', '-', true],
  ['[\\', '\\', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\[a]', '[a]', true],
  ['a\\', 'a\\', true], // a trailing backslash is literal
  ['\\\\', '\\', true],
  ['HELLO', 'hello', false],
  ['HELLO', 'hello', true, true],
  ['h[A-Z]llo', 'hello', true, true],
  ['h[E]llo', 'hello', true, true],
  ['h[\\E]llo', 'hello', false, true], // an escaped class member compares exactly, even under nocase
  ['maxmemory*', 'MAXMEMORY-policy', true, true],
  // bytes 0x80-0xff are negative chars to Redis: they sort below every ASCII byte in a range
  ['[a-\xff]', '0', true],
  ['[a-\xff]', 'b', false],
  ['[a-\xff]', '\xff', true],
  ['[a-\xff]', '\x80', false],
  ['[\x80-\xff]', '\xe9', true],
  ['[\x80-\xff]', 'a', false],
  ['[\x80-z]', 'a', true],
  ['[\x80-z]', 'a', false, true], // glibc's tolower() makes -128 into 128 under nocase: the range is empty
  ['\xe9t\xe9', '\xe9t\xe9', true],
  ['\xc9T\xc9', '\xe9t\xe9', false, true], // nocase folds ASCII only
  ['a\x00b', 'a\x00b', true],
  ['a?b', 'a\x00b', true],
];

glob('the table', () => {
  for (const [pattern, s, expected, nocase] of cases) {
    assert.is(stringMatch(pattern, s, !!nocase), expected, `${JSON.stringify(pattern)} ~ ${JSON.stringify(s)}${nocase ? ' (nocase)' : ''}`);
  }
});

glob('a compiled pattern tests many strings', () => {
  const g = compileGlob('user:*:name');
  assert.is(g.pattern, 'user:*:name');
  assert.ok(g.test('user:1:name'));
  assert.ok(g.test('user::name'));
  assert.not.ok(g.test('user:1:email'));
  assert.not.ok(g.test('account:1:name'));
});

glob('nested stars against long strings terminate (Redis regression tests)', () => {
  // keyspace.tcl "Regression for pattern matching long nested loops"
  assert.not.ok(stringMatch('a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(40)));
  // Exponential for a naive backtracker; must answer at once here.
  assert.not.ok(stringMatch('*a'.repeat(5000) + 'b', 'a'.repeat(20000)));
  assert.ok(stringMatch('*a'.repeat(5000) + '*', 'a'.repeat(20000)));
  assert.not.ok(stringMatch('*[a]?'.repeat(2000) + 'b', 'a'.repeat(10000)));
  assert.not.ok(stringMatch('*?'.repeat(3000) + 'b', 'x'.repeat(3000)));
});

glob('long patterns do not exhaust the stack', () => {
  const pattern = 'a*'.repeat(100000);
  assert.ok(stringMatch(pattern, 'a'.repeat(100000)));
  assert.not.ok(stringMatch(pattern, 'a'.repeat(99999)));
});

glob.run();
