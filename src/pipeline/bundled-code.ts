import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssetHashType } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

export interface BundleOptions {
  /** esbuild `define` (e.g. configuration embedded at synth). */
  readonly define?: Readonly<Record<string, string>>;
  /** Node.js target of the bundle. Default: `node22`. */
  readonly target?: string;
}

/** Bundles `entry` with esbuild's JavaScript API (CommonJS, minified, `@aws-sdk/*` external). */
export function bundleEntry(entry: string, options: BundleOptions = {}): Uint8Array {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: options.target ?? 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    external: ['@aws-sdk/*'],
    define: { ...options.define },
    write: false,
    outfile: 'index.js',
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((f) => path.basename(f.path) === 'index.js');
  if (output === undefined) throw new Error(`bundleEntry: esbuild produced no index.js for ${entry}`);
  return output.contents;
}

/**
 * Lambda code for `entry`, bundled in the synth process (handler `index.handler`).
 *
 * `NodejsFunction` bundles through `npx esbuild`, which costs about 1.7 s per function on the benchmark machine;
 * this takes milliseconds, which keeps `cdk synth` within its budget. The bundle is written once per content hash
 * under the OS temp folder and staged into `cdk.out` like any asset.
 */
export function bundledCode(entry: string, options: BundleOptions = {}): lambda.Code {
  const contents = bundleEntry(entry, options);
  const hash = createHash('sha256').update(contents).digest('hex');
  const dir = path.join(os.tmpdir(), 'tfpf-bundles', hash);
  const file = path.join(dir, 'index.js');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, contents);
    fs.renameSync(partial, file);
  }
  return lambda.Code.fromAsset(dir, { assetHash: hash, assetHashType: AssetHashType.CUSTOM });
}
