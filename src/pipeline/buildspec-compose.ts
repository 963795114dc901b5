import * as fs from 'node:fs';
import * as path from 'node:path';
import { TAG_GRAMMAR_ERE } from '../tag';

/**
 * Composition of the buildspecs with their shared library (`buildspecs/lib/`).
 *
 * A command that is exactly `#tfpf:lib <file> [<file>…]` is replaced, at synth and in the local runner alike, by
 * one command block that unpacks those files (plus the generated `grammar.sh`) into a fresh `$TFPF_LIB` folder; the
 * later blocks source `$TFPF_LIB/common.sh` and run the Python helpers from there. So what the shared steps are is
 * written once (and linted as files). The composed buildspecs are larger than CodeBuild accepts inline, so the
 * projects read them from S3 (a synth-time asset; see terraform-projects.ts).
 */

/** A marker command: `#tfpf:lib common.sh tfpf_stage.py`. */
const MARKER = /^#tfpf:lib((?: [A-Za-z0-9_][A-Za-z0-9_.-]*)+)\s*$/;

/** Folder of the library inside the buildspec folder. */
export const LIBRARY_FOLDER = 'lib';

/** Thrown for a marker naming a file the library lacks. */
export class BuildSpecLibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildSpecLibraryError';
  }
}

/** `grammar.sh`: the tag grammar of src/tag/ as bash ERE constants, so every buildspec checks the same language. */
export function grammarScript(): string {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    '# shellcheck shell=bash',
    '# Generated at synth from src/tag/tag-grammar.ts: the tag grammar as bash extended regular expressions.',
    '# shellcheck disable=SC2034 # used by common.sh',
    `TFPF_NAME_ERE=${quote(TAG_GRAMMAR_ERE.name)}`,
    `TFPF_REGION_ERE=${quote(TAG_GRAMMAR_ERE.region)}`,
    `TFPF_VERSION_ERE=${quote(TAG_GRAMMAR_ERE.version)}`,
    `TFPF_MAX_TAG_LENGTH=${TAG_GRAMMAR_ERE.maxLength}`,
    '',
  ].join('\n');
}

/**
 * Files generated from the configuration at synth (`tools.lock.json`: the config's tools lock). A marker naming
 * one that was not given leaves it out; the step that needs it then fails with a message saying so.
 */
export type GeneratedLibraryFiles = Readonly<Record<string, string>>;

/** Names of the generated files a marker may list. */
export const GENERATED_FILES = ['tools.lock.json'] as const;

/** The library files a marker names (plus grammar.sh), read from `<buildSpecDir>/lib/` or generated. */
export function libraryFiles(
  buildSpecDir: string,
  names: readonly string[],
  generated: GeneratedLibraryFiles = {},
): Map<string, string> {
  const files = new Map<string, string>([['grammar.sh', grammarScript()]]);
  for (const name of names) {
    if ((GENERATED_FILES as readonly string[]).includes(name)) {
      const text = generated[name];
      if (text !== undefined) files.set(name, text);
      continue;
    }
    const file = path.join(buildSpecDir, LIBRARY_FOLDER, name);
    if (!fs.existsSync(file)) {
      throw new BuildSpecLibraryError(
        `#tfpf:lib names ${name}, but ${path.relative(process.cwd(), file) || file} does not exist`,
      );
    }
    files.set(name, fs.readFileSync(file, 'utf8'));
  }
  return files;
}

/** Heredoc delimiter of the library files; a file containing it on a line of its own is refused. */
const DELIMITER = 'TFPF_LIB_EOF';

/** The command block that writes the library into a fresh `$TFPF_LIB` folder, as plain text. */
export function libraryCommand(files: ReadonlyMap<string, string>): string {
  const lines = [
    'set -euo pipefail',
    `# tfpf library, composed at synth from buildspecs/lib/ (${[...files.keys()].join(', ')}).`,
    'TFPF_LIB="$(mktemp -d "${TMPDIR:-/tmp}/tfpf-lib.XXXXXX")"',
    'export TFPF_LIB',
  ];
  for (const [name, text] of files) {
    if (text.split('\n').includes(DELIMITER)) {
      throw new BuildSpecLibraryError(
        `buildspecs/lib/${name} contains the line ${DELIMITER}, which ends its heredoc`,
      );
    }
    lines.push(`cat >"$TFPF_LIB/${name}" <<'${DELIMITER}'`, text.replace(/\n$/, ''), DELIMITER);
  }
  return `${lines.join('\n')}\n`;
}

function composeCommands(commands: unknown, buildSpecDir: string, generated: GeneratedLibraryFiles): unknown {
  if (!Array.isArray(commands)) return commands;
  return commands.map((command: unknown) => {
    if (typeof command !== 'string') return command;
    const match = MARKER.exec(command);
    if (match === null) return command;
    const names = (match[1] as string).trim().split(' ');
    return libraryCommand(libraryFiles(buildSpecDir, names, generated));
  });
}

/**
 * A copy of a parsed buildspec with every `#tfpf:lib` marker replaced by its library block. Everything else is
 * left as it is.
 */
export function composeBuildSpec<T extends Record<string, unknown>>(
  doc: T,
  buildSpecDir: string,
  generated: GeneratedLibraryFiles = {},
): T {
  const phases = doc.phases;
  if (phases === null || typeof phases !== 'object' || Array.isArray(phases)) return doc;
  const composed: Record<string, unknown> = {};
  for (const [name, phase] of Object.entries(phases as Record<string, unknown>)) {
    if (phase === null || typeof phase !== 'object' || Array.isArray(phase)) {
      composed[name] = phase;
      continue;
    }
    const p = phase as Record<string, unknown>;
    composed[name] = {
      ...p,
      ...(p.commands !== undefined ? { commands: composeCommands(p.commands, buildSpecDir, generated) } : {}),
      ...(p.finally !== undefined ? { finally: composeCommands(p.finally, buildSpecDir, generated) } : {}),
    };
  }
  return { ...doc, phases: composed };
}
