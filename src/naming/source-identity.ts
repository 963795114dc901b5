/**
 * The STS source identity of every workload-role session (contract with the buildspecs, which pass it on
 * AssumeRole): `tfpf.` + the release tag with each `/` replaced by `@` (STS allows letters, digits and `_+=,.@-`),
 * cut to STS's 64-character limit. It persists through role chaining and appears in the workload account's
 * CloudTrail for every call the session makes, so each change traces back to its release tag.
 */
export const SOURCE_IDENTITY_PREFIX = 'tfpf.';

/** STS limit on a source identity. */
export const SOURCE_IDENTITY_MAX_LENGTH = 64;

/** `dev_us-east-1/research/1.4.0` → `tfpf.dev_us-east-1@research@1.4.0`. */
export function sourceIdentity(releaseTag: string): string {
  return `${SOURCE_IDENTITY_PREFIX}${releaseTag.replaceAll('/', '@')}`.slice(0, SOURCE_IDENTITY_MAX_LENGTH);
}

/**
 * `StringLike` pattern the workload roles of `environment` require of `sts:SourceIdentity`: `tfpf.<env>_*`.
 * Environment names contain no `_`, so `tfpf.dev_*` matches no other environment's releases (not `devtest`).
 */
export function sourceIdentityPattern(environment: string): string {
  return `${SOURCE_IDENTITY_PREFIX}${environment}_*`;
}
