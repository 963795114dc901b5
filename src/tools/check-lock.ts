import { displayPath, type ConfigProblem, type FactoryModel } from '../config';
import {
  CHECKOV_PYTHON,
  PLATFORMS,
  type BinaryToolLock,
  type BinaryToolName,
  type ToolsLock,
} from './lock-format';
import { tflintPluginPins } from './lock-tools';
import { HASHICORP_KEY, OPENTOFU_KEY, RELEASES, pluginRelease, type ReleaseLayout } from './vendors';

/** What the lock check found: problems fail validation, warnings are printed. */
export interface LockCheck {
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

/** The vendor key each tool's checksum file must be signed with, when the vendor signs with one. */
const SIGNERS: Partial<Record<BinaryToolName, string>> = {
  terraform: HASHICORP_KEY.fingerprint,
  opentofu: OPENTOFU_KEY.fingerprint,
};

function checkBinary(
  field: string,
  wanted: string,
  locked: BinaryToolLock | undefined,
  layout: ReleaseLayout,
  expectedSigner: string | undefined,
  problem: (field: string, message: string) => void,
  warn: (message: string) => void,
): void {
  if (!locked) {
    problem(field, `the lock has no entry for ${field} (factory.yaml wants ${wanted})`);
    return;
  }
  if (locked.version !== wanted) {
    problem(`${field}.version`, `factory.yaml wants ${field} ${wanted} but the lock has ${locked.version}`);
    return;
  }
  for (const platform of PLATFORMS) {
    const file = layout.artifact(platform).file;
    if (locked.platforms[platform].file !== file) {
      problem(
        `${field}.platforms.${platform}.file`,
        `is ${locked.platforms[platform].file}, expected ${file}`,
      );
    }
  }
  const { verification, signer } = locked.checksums;
  if (verification === 'transcribed') {
    warn(
      `${field} ${wanted}: archive digests were transcribed from public copies of ${locked.checksums.file}, ` +
        'not downloaded and verified by tfpf tools lock',
    );
  } else if (expectedSigner !== undefined && (verification !== 'pgp' || signer !== expectedSigner)) {
    problem(
      `${field}.checksums`,
      `${locked.checksums.file} must be verified with the vendor key ${expectedSigner}; the lock says ` +
        `${verification}${signer ? ` by ${signer}` : ''}`,
    );
  }
}

/**
 * Checks that the lock covers exactly the tool versions of the configuration: the engine, tflint, tfsec,
 * checkov (resolved for the scanners' Python) and every pinned tflint plugin, each for every platform, with the
 * vendor's key where the vendor signs with one. Each problem names the tool and both versions.
 */
export function checkLockCoversConfig(
  config: FactoryModel,
  lock: ToolsLock,
  lockFile = 'pipelines/tools.lock.json',
): LockCheck {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const problem = (field: string, message: string): void => {
    problems.push({ file: lockFile, field, message });
  };
  const warn = (message: string): void => {
    warnings.push(message);
  };
  const tools = config.factory.tools;
  const engineVersion = tools.engine === 'opentofu' ? tools.opentofu : tools.terraform;
  if (engineVersion !== undefined) {
    checkBinary(
      `tools.${tools.engine}`,
      engineVersion,
      lock.tools[tools.engine],
      RELEASES[tools.engine](engineVersion),
      SIGNERS[tools.engine],
      problem,
      warn,
    );
  }
  const otherEngine = tools.engine === 'opentofu' ? 'terraform' : 'opentofu';
  if (lock.tools[otherEngine]) {
    problem(`tools.${otherEngine}`, `is locked but tools.engine is ${tools.engine}`);
  }
  for (const tool of ['tflint', 'tfsec'] as const) {
    checkBinary(
      `tools.${tool}`,
      tools[tool],
      lock.tools[tool],
      RELEASES[tool](tools[tool]),
      undefined,
      problem,
      warn,
    );
  }
  const checkov = lock.tools.checkov;
  if (checkov.version !== tools.checkov) {
    problem(
      'tools.checkov.version',
      `factory.yaml wants checkov ${tools.checkov} but the lock has ${checkov.version}`,
    );
  } else if (!checkov.requirements.some((r) => r.name === 'checkov' && r.version === tools.checkov)) {
    problem('tools.checkov.requirements', `has no checkov==${tools.checkov}`);
  }
  if (checkov.python !== CHECKOV_PYTHON) {
    problem(
      'tools.checkov.python',
      `resolved for Python ${checkov.python}, but the scanners run ${CHECKOV_PYTHON}`,
    );
  }
  const pins = tflintPluginPins(config.factory.scanners);
  const lockedPlugins = lock.tflintPlugins ?? {};
  for (const pin of pins) {
    const locked = lockedPlugins[pin.name];
    const field = `tflintPlugins.${pin.name}`;
    if (locked && locked.source !== pin.source) {
      problem(`${field}.source`, `factory.yaml wants ${pin.source} but the lock has ${locked.source}`);
      continue;
    }
    checkBinary(field, pin.version, locked, pluginRelease(pin), undefined, problem, warn);
  }
  for (const name of Object.keys(lockedPlugins)) {
    if (!pins.some((p) => p.name === name)) {
      problem(`tflintPlugins.${name}`, 'is locked but not pinned in factory.yaml scanners.tflintPlugins');
    }
  }
  if (problems.length > 0) {
    problems.push({
      file: lockFile,
      field: '',
      message: `rewrite the lock with: tfpf tools lock --config ${displayPath(config.dir)}`,
    });
  }
  return { problems, warnings };
}
