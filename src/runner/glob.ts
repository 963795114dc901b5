import * as fs from 'node:fs';
import * as path from 'node:path';

/** CodeBuild-style artifact pattern (`**` any folders, `*` and `?` within a name) as a regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  const clean = pattern.replace(/^\.\//, '');
  for (let i = 0; i < clean.length; i++) {
    const char = clean[i] as string;
    if (char === '*' && clean[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches everything below.
      if (clean[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every file below `dir`, as paths relative to it with `/` separators (hidden files included). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}

/** Files of `dir` matching any of the patterns. */
export function matchFiles(dir: string, patterns: readonly string[]): string[] {
  const regexps = patterns.map(globToRegExp);
  return listFiles(dir).filter((file) => regexps.some((re) => re.test(file)));
}
