import { GLOBAL_SCOPE } from '../naming';

/** Longest tag accepted; checked before any pattern runs. */
export const MAX_TAG_LENGTH = 200;

const ALLOWED_CHARACTER = /^[A-Za-z0-9._/-]$/;
const ENVIRONMENT_OR_TEAM = /^[a-z][a-z0-9-]{0,30}$/;
/** Region-shaped scope: `us-east-1`, `us-gov-west-1`, `eusc-de-east-1`. Configured regions are checked later. */
const REGION_SHAPE = /^[a-z]{2,4}(-[a-z]+){1,2}-[1-9][0-9]?$/;
const NUMBER = '(?:0|[1-9][0-9]*)';
const PRERELEASE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
/** Optional `v`, MAJOR.MINOR[.PATCH], optional semver pre-release; no build metadata. */
export const VERSION_PATTERN = new RegExp(
  `^v?${NUMBER}\\.${NUMBER}(?:\\.${NUMBER})?(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?$`,
);

/** POSIX ERE form of a pattern (bash `[[ =~ ]]`): the same language, with `(?:…)` groups written `(…)`. */
function toExtendedRegex(pattern: RegExp): string {
  return pattern.source.replace(/\(\?:/g, '(');
}

/**
 * The tag grammar as POSIX extended regular expressions, for the buildspecs, which check every release variable
 * against the same language as this module (see src/pipeline/buildspec-compose.ts).
 */
export const TAG_GRAMMAR_ERE = {
  name: toExtendedRegex(ENVIRONMENT_OR_TEAM),
  region: toExtendedRegex(REGION_SHAPE),
  version: toExtendedRegex(VERSION_PATTERN),
  maxLength: MAX_TAG_LENGTH,
} as const;

/** A tag split into its parts; nothing here is checked against the configuration yet. */
export interface TagParts {
  readonly environment: string;
  readonly scope: string;
  readonly team: string;
  readonly version: string;
}

export type TagRejectionCode =
  | 'not-a-string'
  | 'empty'
  | 'too-long'
  | 'bad-character'
  | 'bad-shape'
  | 'bad-environment'
  | 'bad-scope'
  | 'bad-team'
  | 'bad-version'
  | 'unknown-environment'
  | 'unknown-region'
  | 'unknown-team';

export interface TagRejection {
  readonly ok: false;
  readonly code: TagRejectionCode;
  /** One line: what is wrong and what is allowed. */
  readonly reason: string;
}

export type TagParseResult = { readonly ok: true; readonly parts: TagParts } | TagRejection;

export const TAG_FORM = '<env>_<region|global>/<team>/<version>, e.g. dev_eu-central-1/research/1.4.0';

function reject(code: TagRejectionCode, reason: string): TagRejection {
  return { ok: false, code, reason };
}

function describeCharacter(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (codePoint < 0x20 || codePoint === 0x7f) return `control character ${hex}`;
  if (codePoint > 0x7e) return `non-ASCII character ${hex}`;
  if (char === ' ') return `a space`;
  return `"${char}"`;
}

/**
 * Checks a tag against the grammar of the tag contract (no configuration needed). Matching is exact: nothing is
 * trimmed, case-folded or normalized, and the length is bounded before any pattern runs.
 */
export function parseTag(tag: unknown): TagParseResult {
  if (typeof tag !== 'string') return reject('not-a-string', 'tag must be a string');
  if (tag.length === 0) return reject('empty', `tag is empty; expected ${TAG_FORM}`);
  if (tag.length > MAX_TAG_LENGTH) {
    return reject('too-long', `tag is ${tag.length} characters long; at most ${MAX_TAG_LENGTH} are allowed`);
  }
  let position = 0;
  for (const char of tag) {
    position += 1;
    if (!ALLOWED_CHARACTER.test(char)) {
      return reject(
        'bad-character',
        `tag contains ${describeCharacter(char)} at position ${position}; allowed are letters, digits, ".", "_", "-" and "/"`,
      );
    }
  }
  const segments = tag.split('/');
  if (segments.length !== 3) {
    return reject(
      'bad-shape',
      `tag has ${segments.length} "/"-separated segment${segments.length === 1 ? '' : 's'}; expected 3: ${TAG_FORM}`,
    );
  }
  const [head, team, version] = segments as [string, string, string];
  const underscore = head.indexOf('_');
  if (underscore < 0) {
    return reject(
      'bad-shape',
      `first segment "${head}" has no "_"; expected <env>_<region|global> as in ${TAG_FORM}`,
    );
  }
  const environment = head.slice(0, underscore);
  const scope = head.slice(underscore + 1);
  if (!ENVIRONMENT_OR_TEAM.test(environment)) {
    return reject(
      'bad-environment',
      `environment "${environment}" is not a valid name: lowercase letters, digits and "-", starting with a letter, at most 31 characters`,
    );
  }
  if (scope !== GLOBAL_SCOPE && !REGION_SHAPE.test(scope)) {
    return reject(
      'bad-scope',
      `scope "${scope}" is neither a region code (such as eu-central-1) nor "${GLOBAL_SCOPE}"`,
    );
  }
  if (!ENVIRONMENT_OR_TEAM.test(team)) {
    return reject(
      'bad-team',
      `team "${team}" is not a valid name: lowercase letters, digits and "-", starting with a letter, at most 31 characters`,
    );
  }
  if (!VERSION_PATTERN.test(version)) {
    return reject(
      'bad-version',
      `version "${version}" is not valid: use MAJOR.MINOR or MAJOR.MINOR.PATCH with an optional leading "v" and pre-release (1.0, 1.4.2, v2.0.0-rc.1); no leading zeros, no build metadata`,
    );
  }
  return { ok: true, parts: { environment, scope, team, version } };
}
