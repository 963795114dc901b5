"""Tools of a build, checked against the tools lock before anything runs them.

  install <tool> <dest>      put <tool> (terraform, tofu, tflint, tfsec) into <dest>; print <dest>
  install-checkov <dest>     a venv at <dest> holding exactly the lock's checkov requirement set; print the folder
                             to put on PATH
  build-bundle <out>         (the tools-bundle builder) every tool of the lock for this platform, verified, and a
                             checkov venv, written to <out>/bundles/<lock digest>/<platform>/ with its manifest
  bundle-local <tools> <out> the same bundle from what scripts/install-tools installed in <tools> (.tools/), with the
                             lock it belongs to at <out>/tools.lock.json (tests, benchmarks)
  upload-bundle <out>        upload <out>/bundles/ to $TFPF_TOOLS_BUNDLE_BUCKET, the manifest last

In CodeBuild the lock is $TFPF_LIB/tools.lock.json, composed into the buildspec at synth from the config's
tools.lock.json (so no cache or artifact can change it). Each archive is downloaded into a fresh folder and its
SHA-256 compared with the lock; nothing is reused from a cache. checkov is installed with
`pip install --require-hashes --no-deps` from the lock's hash-pinned requirement set, with PIP_CONFIG_FILE=/dev/null
so an image's pip.conf (the Lambda python image sets `target = /tmp/opt/python`) cannot divert it out of the venv.

The tools bundle: when TFPF_TOOLS_BUNDLE_BUCKET is set (CodeBuild projects), each install first reads the bundle
the tools-bundle builder wrote for this lock's digest, bundles/<digest>/<platform>/ in that bucket. An archive from
the bundle is checked against the lock's SHA-256, exactly as a download is: a forged bundle cannot pass a fake
binary. The checkov venv is checked against the bundle's manifest (the tarball's SHA-256 before it is extracted, then
every extracted path, link, size and mode): the manifest is trusted because only the builder's role can write the bucket, and the builder runs no
repository code. A bundle that is absent, unreadable or fails a check is named in the build log, with what failed,
and the build installs from the vendor (archives) or PyPI (checkov) as described above.

In the local runner (TFPF_LOCAL_TOOLS), the tools are the ones scripts/install-tools built: each binary is checked
against the SHA-256 install-tools recorded in .tools/tools.local.json, and both versions are printed.
"""

import hashlib
import json
import os
import platform as python_platform
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile

LOCK_NAMES = {"terraform": "terraform", "tofu": "opentofu", "tflint": "tflint", "tfsec": "tfsec"}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def note(message):
    sys.stderr.write(message + "\n")


def lock():
    path = os.path.join(os.environ["TFPF_LIB"], "tools.lock.json")
    if not os.path.isfile(path):
        fail("the buildspec carries no tools lock (tools.lock.json): synthesize with a config that has one")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def lock_digest(data):
    """SHA-256 of the lock's canonical form without `digest` (src/tools/lock-format.ts)."""
    rest = {k: v for k, v in data.items() if k != "digest"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def platform():
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine)
    if arch is None:
        fail(f"unsupported architecture {os.uname().machine}")
    return f"linux_{arch}"


def locked_entry(tool):
    name = LOCK_NAMES[tool]
    tools = lock().get("tools", {})
    if name not in tools:
        fail(f"{name} is not in the tools lock; run `tfpf tools lock` for this config")
    entry = tools[name]
    plat = platform()
    if plat not in entry.get("platforms", {}):
        fail(f"{name} {entry.get('version')}: the tools lock has no {plat} archive")
    return entry["version"], entry["platforms"][plat]


def download(url, dest):
    mirror = os.environ.get("TFPF_TOOLS_MIRROR", "").rstrip("/")
    if mirror:
        # Same file names under another base (a release mirror); the lock's SHA-256 decides either way.
        url = f"{mirror}/{url.rsplit('/', 1)[1]}"
    with urllib.request.urlopen(url, timeout=300) as response, open(dest, "wb") as out:
        for chunk in iter(lambda: response.read(1 << 20), b""):
            out.write(chunk)
    return url


def fetch_verified(tool, version, item, archive):
    """The vendor's archive, downloaded into `archive` and checked against the lock (exits when it does not match)."""
    source = download(item["url"], archive)
    actual = sha256_file(archive)
    if actual != item["sha256"]:
        fail(f"{LOCK_NAMES[tool]} {version}: {item['file']} from {source} has sha256:{actual}, but the tools lock "
             f"says sha256:{item['sha256']}; refusing to install it")
    return source


def install_archive(item, archive, dest):
    target = os.path.join(dest, item["binary"])
    if item.get("format") == "zip":
        with zipfile.ZipFile(archive) as z:
            data = z.read(item["binary"])
        with open(target + ".tmp", "wb") as out:
            out.write(data)
    else:
        shutil.copyfile(archive, target + ".tmp")
    os.chmod(target + ".tmp", 0o755)
    os.replace(target + ".tmp", target)


def install_locked(tool, dest):
    version, item = locked_entry(tool)
    os.makedirs(dest, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=f"tfpf-{tool}-", dir=os.environ.get("TMPDIR"))
    archive = os.path.join(scratch, item["file"])
    name = LOCK_NAMES[tool]
    try:
        source = archive_from_bundle(name, version, item, archive)
    except BundleUnusable as why:
        note(f"tools bundle: {why}; downloading {name} {version} from {item['url']} instead")
        source = fetch_verified(tool, version, item, archive)
    install_archive(item, archive, dest)
    shutil.rmtree(scratch, ignore_errors=True)
    note(f"{name} {version}: {item['file']} from {source} sha256:{item['sha256']} matches the tools lock")
    print(dest)


def check_local(tool):
    """The local runner: the binary install-tools built, against what install-tools recorded."""
    bin_dir = os.environ["TFPF_LOCAL_TOOLS"]
    record_file = os.path.join(os.path.dirname(bin_dir.rstrip("/")), "tools.local.json")
    if not os.path.isfile(record_file):
        fail(f"{record_file} is missing: run `bash scripts/install-tools`")
    with open(record_file, encoding="utf-8") as f:
        record = json.load(f)
    name = LOCK_NAMES[tool]
    if name not in record:
        fail(f"{name} is not recorded in {record_file}: run `bash scripts/install-tools`")
    binary = os.path.join(bin_dir, tool)
    actual = sha256_file(binary)
    if actual != record[name]["sha256"]:
        fail(f"{name}: {binary} has sha256:{actual}, but install-tools recorded sha256:{record[name]['sha256']}; "
             "refusing to run it (reinstall with `bash scripts/install-tools --force --only " + name + "`)")
    try:
        locked = f"; CodeBuild installs {lock()['tools'][name]['version']} from the tools lock"
    except (KeyError, SystemExit):
        locked = ""
    sys.stderr.write(f"{name} {record[name]['version']}: local build sha256:{actual} matches tools.local.json{locked}\n")
    print(bin_dir)


def checkov_entry():
    entry = lock().get("tools", {}).get("checkov")
    if entry is None:
        fail("checkov is not in the tools lock; run `tfpf tools lock` for this config")
    return entry


def pip_install_checkov(entry, dest):
    """A fresh venv at `dest` with exactly the lock's hash-pinned requirement set (no cache, no pip.conf)."""
    requirements = os.path.join(tempfile.mkdtemp(prefix="tfpf-checkov-"), "requirements.txt")
    with open(requirements, "w", encoding="utf-8") as f:
        for req in entry["requirements"]:
            hashes = " ".join(f"--hash=sha256:{h}" for h in req["sha256"])
            f.write(f"{req['name']}=={req['version']} {hashes}\n")
    subprocess.run([sys.executable, "-m", "venv", dest], check=True)
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PIP_TARGET", None)
    env.pop("PYTHONPATH", None)
    subprocess.run([os.path.join(dest, "bin", "python"), "-m", "pip", "install", "-q", "--require-hashes",
                    "--no-deps", "-r", requirements], check=True, env=env)
    if not os.path.isfile(os.path.join(dest, "bin", "checkov")):
        fail(f"checkov was not installed into the venv {dest}")


def install_checkov(dest):
    entry = checkov_entry()
    try:
        bin_dir = checkov_from_bundle(entry, dest)
        print(bin_dir)
        return
    except BundleUnusable as why:
        note(f"tools bundle: {why}; installing checkov {entry['version']} from PyPI instead")
        shutil.rmtree(dest, ignore_errors=True)
    pip_install_checkov(entry, dest)
    note(f"checkov {entry['version']}: {len(entry['requirements'])} hash-pinned requirements installed into {dest}")
    print(os.path.join(dest, "bin"))


# --- the tools bundle ------------------------------------------------------------------------------------------

BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
CHECKOV_TARBALL = "checkov-venv.tar.gz"


class BundleUnusable(Exception):
    """The bundle cannot be used for this tool; the message says what failed (with both digests for a mismatch)."""


def bundle_location():
    """(bucket, prefix) of this lock's bundle for this platform; BundleUnusable when no bundle is configured."""
    bucket = os.environ.get("TFPF_TOOLS_BUNDLE_BUCKET", "")
    if not bucket:
        raise BundleUnusable("no tools bundle is configured (TFPF_TOOLS_BUNDLE_BUCKET is not set)")
    data = lock()
    digest = lock_digest(data)
    if data.get("digest") != digest:
        raise BundleUnusable(f"the tools lock says digest {data.get('digest')}, but its content hashes to {digest}")
    expected = f"bundles/{digest}"
    prefix = os.environ.get("TFPF_TOOLS_BUNDLE_PREFIX", expected).rstrip("/")
    if prefix != expected:
        raise BundleUnusable(f"TFPF_TOOLS_BUNDLE_PREFIX is {prefix}, but this build's tools lock is {expected}")
    return bucket, f"{expected}/{platform()}"


def s3_module():
    """tfpf_s3.py (with tfpf_credentials.py), composed into the buildspecs that use a bundle."""
    try:
        import tfpf_s3  # noqa: PLC0415 (only builds that use a bundle need it)
    except ImportError as error:
        raise BundleUnusable(f"the buildspec carries no S3 client ({error})") from None
    return tfpf_s3


def bundle_get(bucket, key, dest):
    tfpf_s3 = s3_module()
    try:
        return tfpf_s3.get_object(bucket, key, dest)
    except tfpf_s3.S3Error as error:
        absent = error.status in (403, 404)
        raise BundleUnusable(f"{'no' if absent else 'cannot read'} s3://{bucket}/{key} ({error})") from None


def archive_from_bundle(name, version, item, archive):
    """The archive from the bundle, checked against the lock's SHA-256; returns where it came from."""
    bucket, prefix = bundle_location()
    key = f"{prefix}/{name}/{item['file']}"
    actual = bundle_get(bucket, key, archive)
    if actual != item["sha256"]:
        raise BundleUnusable(f"{name} {version}: s3://{bucket}/{key} has sha256:{actual}, but the tools lock says "
                             f"sha256:{item['sha256']}; not using it")
    return f"s3://{bucket}/{key}"


def bundle_manifest(bucket, prefix, scratch):
    path = os.path.join(scratch, MANIFEST)
    bundle_get(bucket, f"{prefix}/{MANIFEST}", path)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except ValueError as error:
        raise BundleUnusable(f"s3://{bucket}/{prefix}/{MANIFEST} is not JSON ({error})") from None
    expected = {"bundleVersion": BUNDLE_VERSION, "lockDigest": prefix.split("/")[1], "platform": platform()}
    for field, value in expected.items():
        if not isinstance(manifest, dict) or manifest.get(field) != value:
            found = manifest.get(field) if isinstance(manifest, dict) else None
            raise BundleUnusable(f"s3://{bucket}/{prefix}/{MANIFEST}: {field} is {found!r}, expected {value!r}")
    return manifest


def checkov_from_bundle(entry, dest):
    """The bundle's checkov venv at `dest`, checked against the manifest; returns the folder to put on PATH."""
    bucket, prefix = bundle_location()
    scratch = tempfile.mkdtemp(prefix="tfpf-bundle-", dir=os.environ.get("TMPDIR"))
    try:
        manifest = bundle_manifest(bucket, prefix, scratch)
        record = manifest.get("checkov") or {}
        if record.get("version") != entry["version"]:
            raise BundleUnusable(f"checkov: the bundle holds {record.get('version')!r}, the tools lock {entry['version']}")
        here = {"version": python_platform.python_version(), "executable": os.path.realpath(sys.executable)}
        if record.get("python") != here:
            raise BundleUnusable(f"checkov {entry['version']}: the bundle's venv was built with python {record.get('python')}, "
                                 f"this build runs {here}")
        key = f"{prefix}/{CHECKOV_TARBALL}"
        tarball = os.path.join(scratch, CHECKOV_TARBALL)
        actual = bundle_get(bucket, key, tarball)
        if actual != record.get("sha256"):
            raise BundleUnusable(f"checkov {entry['version']}: s3://{bucket}/{key} has sha256:{actual}, but the bundle "
                                 f"manifest says sha256:{record.get('sha256')}; not using it")
        os.makedirs(dest, exist_ok=True)
        if os.listdir(dest):
            fail(f"{dest} is not empty: checkov is installed into a fresh folder")
        files = record.get("files")
        if not isinstance(files, dict) or not files:
            raise BundleUnusable(f"checkov {entry['version']}: the bundle manifest lists no venv files")
        try:
            extract(tarball, dest)
        except (subprocess.CalledProcessError, OSError, tarfile.TarError) as error:
            raise BundleUnusable(f"checkov {entry['version']}: s3://{bucket}/{key} does not extract ({error})") from None
        verify_tree(dest, files, f"checkov {entry['version']}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # The venv's console scripts name the builder's venv path: run checkov's script with this venv's python.
    bin_dir = dest.rstrip("/") + "-bin"
    os.makedirs(bin_dir, exist_ok=True)
    venv = shlex.quote(os.path.abspath(dest))
    with open(os.path.join(bin_dir, "checkov"), "w", encoding="utf-8") as out:
        out.write(f'#!/bin/sh\nexec {venv}/bin/python -I {venv}/bin/checkov "$@"\n')
    os.chmod(os.path.join(bin_dir, "checkov"), 0o755)
    note(f"checkov {entry['version']}: venv from s3://{bucket}/{key} sha256:{actual}, {len(record['files'])} files "
         "match the bundle manifest")
    return bin_dir


def extract(tarball, dest):
    """The tarball, verified against the manifest before this, into `dest` (symlinks kept: bin/python -> the
    image's python). GNU tar is much faster than the tarfile module; the module serves where tar is missing."""
    if shutil.which("tar"):
        subprocess.run(["tar", "-xzf", tarball, "-C", dest, "--no-same-owner"], check=True)
        return
    with tarfile.open(tarball) as archive:
        archive.extractall(dest, filter="tar")


def tree_entries(root, digests=True):
    """relative path -> {"size", "mode"[, "sha256"]} of a regular file, or {"link"} of a symlink."""
    entries = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                entries[rel] = {"link": os.readlink(path)}
            elif os.path.isfile(path):
                entry = {"size": os.path.getsize(path), "mode": "755" if os.access(path, os.X_OK) else "644"}
                entries[rel] = {**entry, "sha256": sha256_file(path)} if digests else entry
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return entries


def verify_tree(root, expected, what):
    """The extracted venv against the manifest: the same paths, links, sizes and modes (the bytes were checked with
    the tarball's SHA-256; the manifest's per-file SHA-256 are there to audit a venv later)."""
    actual = tree_entries(root, digests=False)
    for rel in sorted(set(actual) | set(expected)):
        a, e = actual.get(rel), expected.get(rel)
        shown = {k: v for k, v in (e or {}).items() if k != "sha256"}
        if a == shown:
            continue
        if e is None:
            raise BundleUnusable(f"{what}: {rel} is in the bundle's venv but not in its manifest; not using it")
        if a is None:
            raise BundleUnusable(f"{what}: {rel} is in the bundle manifest but not in its venv; not using it")
        raise BundleUnusable(f"{what}: {rel} is {describe_entry(a)} in the bundle's venv, but the bundle manifest "
                             f"says {describe_entry(shown)}; not using it")


def describe_entry(entry):
    if "link" in entry:
        return f"a link to {entry['link']}"
    return f"a file of {entry.get('size')} bytes, mode {entry.get('mode')}"


def write_bundle(out, digest, archives, venv, checkov_version):
    """Writes bundles/<digest>/<platform>/: each (lock name, file) of `archives`, the venv's tarball, the manifest."""
    plat = platform()
    root = os.path.join(out, "bundles", digest, plat)
    os.makedirs(root, exist_ok=True)
    tools = {}
    for name, (version, item, source) in sorted(archives.items()):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        shutil.copyfile(source, os.path.join(root, name, item["file"]))
        tools[name] = {"version": version, "file": f"{name}/{item['file']}", "sha256": item["sha256"]}
    tarball = os.path.join(root, CHECKOV_TARBALL)
    # gzip -1: the venv is ~300 MB of small files; the fastest level keeps extraction bound by the disk.
    subprocess.run(["tar", "-C", venv, "--use-compress-program=gzip -1", "-cf", tarball, "."], check=True)
    manifest = {
        "bundleVersion": BUNDLE_VERSION,
        "lockDigest": digest,
        "platform": plat,
        "tools": tools,
        "checkov": {
            "version": checkov_version,
            "file": CHECKOV_TARBALL,
            "sha256": sha256_file(tarball),
            "python": {"version": python_platform.python_version(),
                       "executable": os.path.realpath(os.path.join(venv, "bin", "python"))},
            "files": tree_entries(venv),
        },
    }
    with open(os.path.join(root, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    note(f"tools bundle {digest}/{plat}: {', '.join(sorted(tools))} and checkov {checkov_version} "
         f"({len(manifest['checkov']['files'])} files) written to {root}")
    return root


def build_bundle(out):
    """The builder: every tool of the lock from its vendor, verified against the lock, and the checkov venv."""
    data = lock()
    digest = lock_digest(data)
    if data.get("digest") != digest:
        fail(f"the tools lock says digest {data.get('digest')}, but its content hashes to {digest}")
    wanted = os.environ.get("TFPF_LOCK_DIGEST", "")
    if wanted and wanted != digest:
        fail(f"this build was started for lock digest {wanted}, but the project's buildspec carries {digest}: "
             "deploy the tooling stack again")
    scratch = tempfile.mkdtemp(prefix="tfpf-builder-", dir=os.environ.get("TMPDIR"))
    archives = {}
    for tool, name in LOCK_NAMES.items():
        if name not in data.get("tools", {}):
            continue
        version, item = locked_entry(tool)
        archive = os.path.join(scratch, item["file"])
        fetch_verified(tool, version, item, archive)
        note(f"{name} {version}: {item['file']} sha256:{item['sha256']} matches the tools lock")
        archives[name] = (version, item, archive)
    entry = checkov_entry()
    venv = os.path.join(scratch, "checkov")
    pip_install_checkov(entry, venv)
    write_bundle(out, digest, archives, venv, entry["version"])
    shutil.rmtree(scratch, ignore_errors=True)


def bundle_local(tools_root, out):
    """The bundle of what scripts/install-tools installed, and the lock it belongs to (<out>/tools.lock.json)."""
    record_file = os.path.join(tools_root, "tools.local.json")
    if not os.path.isfile(record_file):
        fail(f"{record_file} is missing: run `bash scripts/install-tools`")
    with open(record_file, encoding="utf-8") as f:
        record = json.load(f)
    plat = platform()
    tools, archives = {}, {}
    for tool, name in LOCK_NAMES.items():
        if name not in record:
            continue
        binary = os.path.join(tools_root, record[name]["path"])
        actual = sha256_file(binary)
        if actual != record[name]["sha256"]:
            fail(f"{name}: {binary} has sha256:{actual}, but install-tools recorded sha256:{record[name]['sha256']}")
        item = {"file": tool, "url": f"file://{os.path.abspath(binary)}", "sha256": actual, "format": "binary",
                "binary": tool}
        tools[name] = {"version": record[name]["version"],
                       "checksums": {"file": "tools.local.json", "url": f"file://{os.path.abspath(record_file)}",
                                     "verification": "transcribed"},
                       "platforms": {plat: item}}
        archives[name] = (record[name]["version"], item, binary)
    venv = os.path.join(tools_root, "venvs", "checkov")
    found = subprocess.run([os.path.join(venv, "bin", "python"), "-I", "-c",
                            "import importlib.metadata as m; print(m.version('checkov'))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    tools["checkov"] = {"version": found, "python": ".".join(python_platform.python_version_tuple()[:2]),
                        "requirements": [{"name": "checkov", "version": found, "sha256": ["0" * 64]}]}
    data = {"lockVersion": 1, "tools": tools}
    digest = lock_digest(data)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tools.lock.json"), "w", encoding="utf-8") as f:
        json.dump({"lockVersion": 1, "digest": digest, "tools": tools}, f, indent=2, sort_keys=True)
    write_bundle(out, digest, archives, venv, found)
    print(digest)


def upload_bundle(out):
    try:
        tfpf_s3 = s3_module()
    except BundleUnusable as why:
        fail(str(why))

    bucket = os.environ.get("TFPF_TOOLS_BUNDLE_BUCKET", "")
    if not bucket:
        fail("TFPF_TOOLS_BUNDLE_BUCKET is not set: name the bucket the bundle is uploaded to")
    base = os.path.join(out, "bundles")
    if not os.path.isdir(base):
        fail(f"{base} does not exist: write a bundle first (build-bundle or bundle-local)")
    files = sorted(os.path.relpath(os.path.join(d, n), out) for d, _, names in os.walk(base) for n in names)
    # The manifest last: until it is there, actions find no bundle and install as without one.
    files.sort(key=lambda rel: os.path.basename(rel) == MANIFEST)
    try:
        for rel in files:
            kind = "application/json" if rel.endswith(".json") else "application/octet-stream"
            tfpf_s3.put_object(bucket, rel, os.path.join(out, rel), kind)
            note(f"uploaded s3://{bucket}/{rel}")
    except tfpf_s3.S3Error as error:
        fail(f"tools bundle upload failed: {error}")


def main(argv):
    if len(argv) == 3 and argv[0] == "install" and argv[1] in LOCK_NAMES:
        if os.environ.get("TFPF_LOCAL_TOOLS"):
            check_local(argv[1])
        else:
            install_locked(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "install-checkov":
        install_checkov(argv[1])
    elif len(argv) == 2 and argv[0] == "build-bundle":
        build_bundle(argv[1])
    elif len(argv) == 3 and argv[0] == "bundle-local":
        bundle_local(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "upload-bundle":
        upload_bundle(argv[1])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
