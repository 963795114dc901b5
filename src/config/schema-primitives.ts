import { z } from 'zod';

/** Exact tool versions: `1.9.8`, never ranges, `latest` or pre-releases. */
export const EXACT_VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** How a wrong value is shown in messages: `the unquoted number 0.64`, `a list`, `string "x"`. */
export function describe(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'number') return `the unquoted number ${String(input)}`;
  return `${typeof input} ${JSON.stringify(input)}`;
}

/** A string schema whose messages say what is expected (`is required (…)`, `must be …; found …`). */
export function requiredString(what: string): z.ZodString {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? `is required (${what})` : `must be ${what}; found ${describe(issue.input)}`,
  });
}

/** An exact version such as "1.9.8", written as a string. */
export const exactVersionSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required (an exact version such as "1.9.8")'
        : `must be an exact version such as "1.9.8" written as a string; found ${describe(issue.input)}${
            typeof issue.input === 'number' ? ' (YAML reads 0.64 as a number: quote the version)' : ''
          }`,
  })
  .regex(EXACT_VERSION_PATTERN, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an exact version: use MAJOR.MINOR.PATCH such as "1.9.8" (no ranges, "v", "latest" or pre-releases)`,
  });
