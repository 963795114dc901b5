import { quoteUntrusted } from '../../src/text/quote-untrusted';

describe('quoteUntrusted', () => {
  test.each([
    ['dev_us-east-1/research/1.0', '"dev_us-east-1/research/1.0"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['line\nbreak\r\u0000', '"line\\u000abreak\\u000d\\u0000"'],
    ['dév\u2028🚀', '"d\\u00e9v\\u2028\\u{1f680}"'],
  ])('%p renders as %s on one printable-ASCII line', (input, expected) => {
    const out = quoteUntrusted(input);
    expect(out).toBe(expected);
    expect(out).toMatch(/^[\x20-\x7e]*$/);
  });

  test('cuts at maxLength and marks the cut outside the quotes', () => {
    expect(quoteUntrusted('abcdef', 3)).toBe('"abc"...');
    expect(quoteUntrusted('abc', 3)).toBe('"abc"');
    expect(quoteUntrusted('x'.repeat(1_000_000))).toHaveLength(200 + 2 + 3);
  });
});
