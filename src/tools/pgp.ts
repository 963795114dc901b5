import * as openpgp from 'openpgp';
import { ToolsLockError } from './tools-lock-error';

/** A public key a signature must come from, and the fingerprint it must have. */
export interface TrustedKey {
  readonly armored: string;
  readonly fingerprint: string;
  /** Shown in errors, e.g. "HashiCorp Security <security@hashicorp.com>". */
  readonly owner: string;
}

/** Loads a trusted key, refusing one whose fingerprint is not the documented one (a swapped key file). */
export async function loadTrustedKey(key: TrustedKey, where: string): Promise<openpgp.PublicKey> {
  let parsed: openpgp.Key;
  try {
    parsed = await openpgp.readKey({ armoredKey: key.armored });
  } catch (error) {
    throw new ToolsLockError(`${where}: cannot read the OpenPGP key: ${(error as Error).message}`);
  }
  const fingerprint = parsed.getFingerprint().toUpperCase();
  if (fingerprint !== key.fingerprint) {
    throw new ToolsLockError(`${where}: key fingerprint is ${fingerprint}, expected ${key.fingerprint}`);
  }
  return parsed.toPublic();
}

async function readSignature(signature: Buffer): Promise<openpgp.Signature> {
  const text = signature.subarray(0, 64).toString('latin1');
  return text.startsWith('-----BEGIN PGP SIGNATURE-----')
    ? openpgp.readSignature({ armoredSignature: signature.toString('utf8') })
    : openpgp.readSignature({ binarySignature: new Uint8Array(signature) });
}

/**
 * Verifies a detached OpenPGP signature over `data` with `key` (primary key or one of its signing subkeys) and
 * returns the primary key's fingerprint. Throws naming `what` (tool and file) when it does not verify.
 */
export async function verifyDetached(
  data: Buffer,
  signature: Buffer,
  key: TrustedKey,
  what: string,
): Promise<string> {
  const publicKey = await loadTrustedKey(key, what);
  let parsedSignature: openpgp.Signature;
  try {
    parsedSignature = await readSignature(signature);
  } catch (error) {
    throw new ToolsLockError(
      `${what}: the signature file is not an OpenPGP signature (${(error as Error).message})`,
    );
  }
  try {
    const message = await openpgp.createMessage({ binary: new Uint8Array(data) });
    const result = await openpgp.verify({
      message,
      signature: parsedSignature,
      verificationKeys: publicKey,
      expectSigned: true,
      format: 'binary',
    });
    const [first] = result.signatures;
    if (!first) throw new Error('no signature');
    await first.verified;
  } catch (error) {
    throw new ToolsLockError(
      `${what}: bad signature: not signed by ${key.owner} (${key.fingerprint}): ${(error as Error).message}`,
    );
  }
  return key.fingerprint;
}

/** The fingerprint of an armored public key (uppercase hex). */
export async function readKeyFingerprint(armored: string, where: string): Promise<string> {
  try {
    return (await openpgp.readKey({ armoredKey: armored })).getFingerprint().toUpperCase();
  } catch (error) {
    throw new ToolsLockError(`${where}: cannot read the OpenPGP key: ${(error as Error).message}`);
  }
}
