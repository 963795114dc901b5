/** One line of the `tfpf doctor` table: what was checked, the result, and how to fix a failure. */
export interface DoctorRow {
  readonly check: string;
  /** What the check was about: a region, a bucket, a role, a topic, … */
  readonly subject: string;
  /**
   * `pass`; `fail` (a release would fail: the exit code is non-zero); `unchecked` (not visible with these
   * credentials, e.g. a role in another account: `fix` says how to check it).
   */
  readonly status: 'pass' | 'fail' | 'unchecked';
  readonly detail: string;
  /** What to do; empty when the check passed. */
  readonly fix: string;
}

export function pass(check: string, subject: string, detail: string): DoctorRow {
  return { check, subject, status: 'pass', detail, fix: '' };
}

export function fail(check: string, subject: string, detail: string, fix: string): DoctorRow {
  return { check, subject, status: 'fail', detail, fix };
}

export function unchecked(check: string, subject: string, detail: string, fix: string): DoctorRow {
  return { check, subject, status: 'unchecked', detail, fix };
}

/** Name and message of an SDK error, for a row's detail. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The SDK error's name (`NoSuchEntityException`, `NotFound`, …), or undefined. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Whether an SDK error says the resource does not exist. */
export function isNotFound(error: unknown): boolean {
  return /^(NoSuchEntity(Exception)?|NotFound(Exception)?|NoSuchBucket|ResourceNotFoundException)$/.test(
    errorName(error) ?? '',
  );
}
