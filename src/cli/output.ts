/** Where commands write; injectable so tests can capture output without spawning processes. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Renders untrusted text on one printable-ASCII line: quotes, escapes, and a bounded length. */
export function quoteUntrusted(value: string, maxLength = 120): string {
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  let out = '';
  for (const char of shown) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '…' && shown !== value) out += '...';
    else if (code < 0x20 || code > 0x7e) {
      out += code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return `"${out}"`;
}

/** Renders rows as a plain-text table with padded columns. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
