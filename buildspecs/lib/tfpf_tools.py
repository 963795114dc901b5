"""Tools of a build, checked against the tools lock before anything runs them.

  install <tool> <dest>      put <tool> (terraform, tofu, tflint, tfsec) into <dest>; print <dest>
  install-checkov <dest>     a venv at <dest> holding exactly the lock's checkov requirement set; print its bin/

In CodeBuild the lock is $TFPF_LIB/tools.lock.json, composed into the buildspec at synth from the config's
tools.lock.json (so no cache or artifact can change it). Each archive is downloaded into a fresh folder and its
SHA-256 compared with the lock; nothing is reused from a cache. checkov is installed with
`pip install --require-hashes --no-deps` from the lock's hash-pinned requirement set, with PIP_CONFIG_FILE=/dev/null
so an image's pip.conf (the Lambda python image sets `target = /tmp/opt/python`) cannot divert it out of the venv.

In the local runner (TFPF_LOCAL_TOOLS), the tools are the ones scripts/install-tools built: each binary is checked
against the SHA-256 install-tools recorded in .tools/tools.local.json, and both versions are printed.
"""

import hashlib
import json
import os
import subprocess
import sys
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


def lock():
    path = os.path.join(os.environ["TFPF_LIB"], "tools.lock.json")
    if not os.path.isfile(path):
        fail("the buildspec carries no tools lock (tools.lock.json): synthesize with a config that has one")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


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


def install_locked(tool, dest):
    version, item = locked_entry(tool)
    os.makedirs(dest, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=f"tfpf-{tool}-", dir=os.environ.get("TMPDIR"))
    archive = os.path.join(scratch, item["file"])
    source = download(item["url"], archive)
    actual = sha256_file(archive)
    if actual != item["sha256"]:
        fail(f"{LOCK_NAMES[tool]} {version}: {item['file']} from {source} has sha256:{actual}, but the tools lock "
             f"says sha256:{item['sha256']}; refusing to install it")
    target = os.path.join(dest, item["binary"])
    if item.get("format") == "zip":
        with zipfile.ZipFile(archive) as z:
            data = z.read(item["binary"])
        with open(target + ".tmp", "wb") as out:
            out.write(data)
    else:
        os.replace(archive, target + ".tmp")
    os.chmod(target + ".tmp", 0o755)
    os.replace(target + ".tmp", target)
    sys.stderr.write(f"{LOCK_NAMES[tool]} {version}: {item['file']} sha256:{actual} matches the tools lock\n")
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


def install_checkov(dest):
    entry = lock().get("tools", {}).get("checkov")
    if entry is None:
        fail("checkov is not in the tools lock; run `tfpf tools lock` for this config")
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
    sys.stderr.write(f"checkov {entry['version']}: {len(entry['requirements'])} hash-pinned requirements installed into {dest}\n")
    print(os.path.join(dest, "bin"))


def main(argv):
    if len(argv) == 3 and argv[0] == "install" and argv[1] in LOCK_NAMES:
        if os.environ.get("TFPF_LOCAL_TOOLS"):
            check_local(argv[1])
        else:
            install_locked(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "install-checkov":
        install_checkov(argv[1])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
