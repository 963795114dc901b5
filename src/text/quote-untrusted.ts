/**
 * Renders untrusted text (tags, ARNs, event fields) on one printable-ASCII line: in double quotes, with quotes,
 * backslashes, control and non-ASCII characters escaped, cut at `maxLength` characters (`...` marks a cut).
 */
export function quoteUntrusted(value: string, maxLength = 200): string {
  const shown = value.length > maxLength ? value.slice(0, maxLength) : value;
  let out = '';
  for (const char of shown) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code < 0x20 || code > 0x7e) {
      out += code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return `"${out}"${shown === value ? '' : '...'}`;
}
