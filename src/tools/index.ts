export { checkLockCoversConfig, type LockCheck } from './check-lock';
export { resolveCheckov, mirrorIndex, type PythonIndex } from './checkov-requirements';
export { parseChecksumFile } from './checksum-file';
export { LOCK_FILE, lockCommand, lockFilePath, parseLock, readLockFile, writeLockFile } from './lock-file';
export {
  BINARY_TOOLS,
  CHECKOV_PYTHON,
  LOCK_VERSION,
  PLATFORMS,
  canonicalJson,
  checkovRequirementsTxt,
  lockDigest,
  renderLock,
  sealLock,
  toolsLockSchema,
  type Artifact,
  type BinaryToolLock,
  type CheckovLock,
  type Platform,
  type ToolsLock,
} from './lock-format';
export { lockTools, tflintPluginPins, PYPI_INDEX, type LockToolsOptions } from './lock-tools';
export { loadTrustedKey, readKeyFingerprint, verifyDetached, type TrustedKey } from './pgp';
export { ToolsLockError } from './tools-lock-error';
export { HASHICORP_KEY, OPENTOFU_KEY, RELEASES, pluginRelease, type TflintPluginPin } from './vendors';
