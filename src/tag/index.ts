export { MAX_TAG_LENGTH, parseTag, TAG_FORM, TAG_GRAMMAR_ERE, VERSION_PATTERN } from './tag-grammar';
export type { TagParts, TagParseResult, TagRejection, TagRejectionCode } from './tag-grammar';
export { resolveRelease, type Release, type ReleaseResult } from './resolve-release';
