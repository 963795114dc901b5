import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles } from './glob';

/** A copy of the infra repository taken at the start of a run: the local stand-in for the Source artifact. */
export interface SourceSnapshot {
  /** The commit id passed as COMMIT_ID / CODEBUILD_RESOLVED_SOURCE_VERSION. */
  readonly commit: string;
  /** How the commit id was found, for the run header. */
  readonly note: string;
  readonly files: number;
}

const SKIPPED_DIRS = new Set(['.git', '.terraform', '.tfpf', 'node_modules']);

function git(repo: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

function walk(repo: string): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(repo, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) visit(child);
      } else if (entry.isFile() && !/\.tfstate(\.backup)?$/.test(entry.name)) out.push(child);
    }
  };
  visit('');
  return out.sort();
}

/**
 * Copies the repository into `dest` as a pipeline would see it: in a git work tree, the tracked and untracked
 * files that .gitignore does not exclude (so local .terraform folders and state files stay out); elsewhere every
 * file except .git, .terraform, .tfpf, node_modules and *.tfstate.
 */
export function snapshotSource(repo: string, dest: string): SourceSnapshot {
  const listed = git(repo, ['ls-files', '-z', '-co', '--exclude-standard', '--', '.']);
  const files = (listed !== undefined ? listed.split('\0').filter((f) => f !== '') : walk(repo))
    .filter((f) => !f.split('/').some((part) => SKIPPED_DIRS.has(part)))
    .filter((f) => fs.existsSync(path.join(repo, f)) && fs.statSync(path.join(repo, f)).isFile())
    .sort();
  fs.mkdirSync(dest, { recursive: true });
  const hash = createHash('sha1');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(path.join(repo, file), path.join(dest, file));
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(repo, file)))
      .update('\0');
  }
  const head = git(repo, ['rev-parse', 'HEAD'])?.trim();
  if (head !== undefined && /^[0-9a-f]{40}$/.test(head)) {
    const dirty = (git(repo, ['status', '--porcelain', '--', '.']) ?? '').trim() !== '';
    return {
      commit: head,
      note: dirty
        ? `git HEAD ${head.slice(0, 12)} plus uncommitted changes`
        : `git HEAD ${head.slice(0, 12)}`,
      files: files.length,
    };
  }
  const digest = hash.digest('hex');
  return {
    commit: digest,
    note: `not a git work tree: content hash ${digest.slice(0, 12)}`,
    files: files.length,
  };
}

/** Copies a snapshot folder for one action (each action works in its own copy, like a CodeBuild container). */
export function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const file of listFiles(from)) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
}
