"""Steps of the Terraform actions that are easier to get right in Python than in bash.

  release-vars <src> <root> <work>        root module, var files, authoritative release values, repo overrides
  plan-summary <out> <work>               summary.json/.md, plan-meta.json, the artifact digest, exported values
  digest <dir>                            the digest of a plan artifact folder
  check-artifact <dir> <digest> <work>    copy the plan artifact to <work>/plan, refuse it unless it has <digest>
  check-state <plan-meta> <state>         refuse a plan made against another state serial or lineage
  drift-counts <plan.json>                resources to add, change, destroy (one per line) of a drift plan

Release values come from the environment (validated by common.sh before any of this runs).
"""

import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import sys
import zipfile

# Every file of the plan artifact; apply consumes them all, and the digest covers exactly these.
ARTIFACT_FILES = ("tfplan", "plan.json", "summary.json", "summary.md", "plan-meta.json", ".terraform.lock.hcl")
RELEASE_FIELDS = ("environment", "scope", "targetRegion", "team", "account", "version", "tag", "commit")
DEFAULT_VARIABLES = "region=targetRegion\naccount=account\nenvironment=environment\nteam=team\nrelease_version=version"
PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        fail(f"environment variable {name} is not set")
    return value


# --- release-vars ----------------------------------------------------------------------------------------------


def inside(src, rel, what):
    """The absolute path of `rel` inside `src`; refuses absolute paths, `..` and symlinks that leave the repo."""
    if rel.startswith("/") or any(part == ".." for part in rel.split("/")):
        fail(f"{what} '{rel}' must be a relative path inside the repository")
    path = os.path.realpath(os.path.join(src, rel))
    root = os.path.realpath(src)
    if path != root and not path.startswith(root + os.sep):
        fail(f"{what} '{rel}' leaves the repository (resolves to {path})")
    return path


def release_values():
    return {
        "environment": env("ENVIRONMENT"), "scope": env("REGION"), "targetRegion": env("TARGET_REGION"),
        "team": env("TEAM"), "account": env("TARGET_ACCOUNT"), "version": env("VERSION"),
        "tag": env("RELEASE_TAG"), "commit": env("COMMIT_ID"),
    }


def var_file_paths(values):
    templates = os.environ.get("LAYOUT_VAR_FILES", "").strip()
    if templates:
        names = {"env": values["environment"], "team": values["team"], "scope": values["scope"],
                 "region": values["targetRegion"]}
        out = []
        for template in templates.splitlines():
            template = template.strip()
            if not template:
                continue
            unknown = [p for p in PLACEHOLDER.findall(template) if p not in names]
            if unknown:
                fail(f"LAYOUT_VAR_FILES: '{template}' has unknown placeholder {{{unknown[0]}}} (known: {', '.join(names)})")
            out.append(PLACEHOLDER.sub(lambda m: names[m.group(1)], template))
        return out
    base = env("LAYOUT_VARS", "vars")
    e, t, s = values["environment"], values["team"], values["scope"]
    return [f"{base}/common.tfvars", f"{base}/{e}.tfvars", f"{base}/{e}/{t}.tfvars", f"{base}/{e}/{t}/{s}.tfvars"]


def variable_map():
    mapping = {}
    for line in (os.environ.get("LAYOUT_VARIABLES", "").strip() or DEFAULT_VARIABLES).splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, field = line.partition("=")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name) or field not in RELEASE_FIELDS:
            fail(f"LAYOUT_VARIABLES: '{line}' must be <terraform variable>=<one of {', '.join(RELEASE_FIELDS)}>")
        mapping[name] = field
    return mapping


DECLARATION = re.compile(r'^[ \t]*variable[ \t]+"?([A-Za-z_][A-Za-z0-9_-]*)"?[ \t]*\{', re.MULTILINE)


def declared_variables(root):
    names = set()
    for path in sorted(glob.glob(os.path.join(root, "*.tf"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            names.update(DECLARATION.findall(f.read()))
    for path in sorted(glob.glob(os.path.join(root, "*.tf.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except ValueError as error:
            fail(f"{os.path.basename(path)}: not valid JSON: {error}")
        variables = data.get("variable") if isinstance(data, dict) else None
        if isinstance(variables, dict):
            names.update(variables)
        elif isinstance(variables, list):
            for item in variables:
                if isinstance(item, dict):
                    names.update(item)
    return names


def assignments(path):
    """Top-level `name = value` assignments of a .tfvars(.json) file, values as written (strings unquoted)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()} if isinstance(data, dict) else {}
    found = {}
    for m in re.finditer(r'^[ \t]*"?([A-Za-z_][A-Za-z0-9_-]*)"?[ \t]*=[ \t]*(.*?)[ \t]*$', text, re.MULTILINE):
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        found[m.group(1)] = value
    return found


def release_vars(src, root_rel, work):
    values = release_values()
    root = inside(src, root_rel, "root module folder")
    if not os.path.isdir(root):
        fail(f"root module folder '{root_rel}' is missing in the repository (layout in factory.yaml)")
    print(f"root module: {root_rel} (scope {values['scope']})")
    args, var_files = [], []
    for rel in var_file_paths(values):
        path = inside(src, rel, "var file")
        if os.path.isfile(path):
            print(f"var file: {rel}")
            args.append(f"-var-file={path}")
            var_files.append((rel, path))
        else:
            print(f"var file: {rel} (absent, skipped)")
    declared = declared_variables(root)
    passed = {name: values[field] for name, field in variable_map().items() if name in declared}
    # -var after every -var-file: the release values win over tfvars, *.auto.tfvars and TF_VAR_* alike.
    args += [f"-var={name}={value}" for name, value in sorted(passed.items())]
    print("release values: " + (", ".join(f"{n}={v}" for n, v in sorted(passed.items())) or "none declared by the root module"))
    auto = [os.path.join(root, n) for n in ("terraform.tfvars", "terraform.tfvars.json")]
    auto += sorted(glob.glob(os.path.join(root, "*.auto.tfvars")) + glob.glob(os.path.join(root, "*.auto.tfvars.json")))
    checked = var_files + [(os.path.relpath(p, src), p) for p in auto if os.path.isfile(p)]
    overrides = []
    for rel, path in checked:
        for name, repo_value in assignments(path).items():
            if name in passed and repo_value != passed[name]:
                overrides.append({"file": rel, "variable": name, "repo_value": repo_value, "release_value": passed[name]})
                print(f"WARNING: {rel} sets {name} = {json.dumps(repo_value)}; the release value {json.dumps(passed[name])} is used")
    scope_target = os.environ.get("LAYOUT_TARGET_GLOBAL" if values["scope"] == "global" else "LAYOUT_TARGET_REGIONAL", "")
    if scope_target:
        if not re.fullmatch(r"[A-Za-z0-9_.\[\]\"-]+", scope_target):
            fail(f"layout target '{scope_target}' is not a Terraform resource address")
        args.append(f"-target={scope_target}")
        print(f"target: {scope_target}")
    with open(os.path.join(work, "plan-args"), "w", encoding="utf-8") as f:
        f.write("".join(a + "\n" for a in args))
    with open(os.path.join(work, "root"), "w", encoding="utf-8") as f:
        f.write(root)
    with open(os.path.join(work, "release-vars.json"), "w", encoding="utf-8") as f:
        json.dump({"values": passed, "overrides": overrides, "target": scope_target}, f, indent=2)


# --- plan-summary ----------------------------------------------------------------------------------------------

NETWORK_PREFIXES = (
    "aws_security_group", "aws_vpc_security_group_", "aws_default_security_group", "aws_network_acl",
    "aws_default_network_acl", "aws_vpc", "aws_default_vpc", "aws_subnet", "aws_default_subnet", "aws_route",
    "aws_default_route_table", "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_nat_gateway",
    "aws_ec2_transit_gateway", "aws_network_interface", "aws_eip", "aws_networkfirewall_",
)


def artifact_digest(folder):
    """SHA-256 over the manifest `<sha256>  <name>` of every artifact file, in ARTIFACT_FILES order."""
    lines = []
    for name in ARTIFACT_FILES:
        path = os.path.join(folder, name)
        if not os.path.isfile(path) or os.path.islink(path):
            fail(f"the plan artifact has no regular file {name}")
        with open(path, "rb") as f:
            lines.append(f"{hashlib.sha256(f.read()).hexdigest()}  {name}\n")
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def plan_summary(out, work):
    e = os.environ
    release = json.load(open(os.path.join(work, "release-vars.json")))
    plan = json.load(open(os.path.join(out, "plan.json")))
    # The plan must hold the release values whatever the repo said (a guard behind the -var arguments).
    planned = plan.get("variables") or {}
    for name, value in release["values"].items():
        got = (planned.get(name) or {}).get("value")
        if got != value:
            fail(f"variable {name} is {json.dumps(got)} in the plan, but the release value is {json.dumps(value)}; refusing the plan")
    counts = {"add": 0, "change": 0, "destroy": 0, "replace": 0}
    changes, flags, other = [], set(), {"import": 0, "forget": 0, "move": 0}
    for rc in plan.get("resource_changes") or []:
        if rc.get("mode") == "data":
            continue
        change = rc.get("change") or {}
        actions = change.get("actions") or []
        if change.get("importing"):
            other["import"] += 1
        if rc.get("previous_address") and rc.get("previous_address") != rc.get("address"):
            other["move"] += 1
        if "delete" in actions and "create" in actions:
            kind = "replace"
        elif actions == ["create"]:
            kind = "add"
        elif actions == ["update"]:
            kind = "change"
        elif actions == ["delete"]:
            kind = "destroy"
        elif actions == ["forget"]:
            other["forget"] += 1
            continue
        else:
            continue
        counts[kind] += 1
        rtype = rc.get("type", "")
        item_flags = []
        if kind in ("destroy", "replace"):
            item_flags.append("DESTROY")
        if rtype.startswith("aws_iam_"):
            item_flags.append("IAM")
        if rtype.startswith(NETWORK_PREFIXES):
            item_flags.append("NETWORK")
        flags.update(item_flags)
        changes.append({"address": rc.get("address", "?"), "type": rtype, "action": kind, "flags": item_flags})
    outputs = sorted(n for n, c in (plan.get("output_changes") or {}).items() if (c.get("actions") or []) not in (["no-op"], []))
    flag_list = [f for f in ("DESTROY", "IAM", "NETWORK") if f in flags]
    has_changes = any(counts.values()) or bool(outputs) or any(other.values())
    # The state this plan was made against: the prior state saved inside the plan file.
    with zipfile.ZipFile(os.path.join(out, "tfplan")) as z:
        prior = json.loads(z.read("tfstate")) if "tfstate" in z.namelist() else {}
    serial, lineage = prior.get("serial", 0), prior.get("lineage", "")
    if any(counts.values()):
        line = f"{counts['add']} to add, {counts['change']} to change, {counts['destroy']} to destroy, {counts['replace']} to replace"
    elif has_changes:
        line = "no resource changes" + (f"; {len(outputs)} output change(s)" if outputs else "")
    else:
        line = "no changes"
    line += f"; flags: {','.join(flag_list) or 'none'}"
    overrides = release["overrides"]
    if overrides:
        line += f"; {len(overrides)} repo value(s) overridden"
    tag = e.get("RELEASE_TAG", "?")
    summary = {
        "release_tag": tag, "commit": e.get("COMMIT_ID", ""), "environment": e.get("ENVIRONMENT", ""),
        "team": e.get("TEAM", ""), "region": e.get("REGION", ""), "target_region": e.get("TARGET_REGION", ""),
        "account": e.get("TARGET_ACCOUNT", ""), "state_bucket": e.get("STATE_BUCKET", ""),
        "state_key": e.get("STATE_KEY", ""), "state_serial": serial, "state_lineage": lineage,
        "has_changes": has_changes, "counts": counts, "other": other, "output_changes": outputs,
        "flags": flag_list, "summary": line, "changes": changes, "build_url": e.get("CODEBUILD_BUILD_URL", ""),
        "terraform_version": plan.get("terraform_version", ""), "release_values": release["values"],
        "repo_overrides": overrides, "target": release["target"] or None,
    }
    json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2)
    meta = {
        "release_tag": tag, "commit": e.get("COMMIT_ID", ""), "state_bucket": e.get("STATE_BUCKET", ""),
        "state_key": e.get("STATE_KEY", ""), "serial": serial, "lineage": lineage,
        "engine": e.get("TF_ENGINE", ""), "engine_version": plan.get("terraform_version", ""),
        "planned_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    json.dump(meta, open(os.path.join(out, "plan-meta.json"), "w"), indent=2)
    md = [f"## Plan for `{tag}`", "", "| | |", "| --- | --- |",
          f"| commit | `{summary['commit']}` |",
          f"| target | account `{summary['account']}`, region `{summary['target_region']}` |",
          f"| state | `s3://{summary['state_bucket']}/{summary['state_key']}` (serial {serial}) |"]
    if release["target"]:
        md.append(f"| -target | `{release['target']}` |")
    md += ["", f"**{line}**", ""]
    if overrides:
        md.append("Repo values overridden by the release values:")
        md += [f"- `{o['file']}` sets `{o['variable']} = {json.dumps(o['repo_value'])}`; the release uses `{o['release_value']}`" for o in overrides]
        md.append("")
    if flag_list:
        md.append("Flagged for the approver:")
        for f in flag_list:
            names = [c["address"] for c in changes if f in c["flags"]]
            md.append(f"- **{f}**: {len(names)} resource(s): " + ", ".join(f"`{n}`" for n in names[:20]) + (" …" if len(names) > 20 else ""))
        md.append("")
    if changes:
        md += ["| action | resource | flags |", "| --- | --- | --- |"]
        md += [f"| {c['action']} | `{c['address']}` | {', '.join(c['flags'])} |" for c in changes[:200]]
        if len(changes) > 200:
            md.append(f"| … | {len(changes) - 200} more | |")
        md.append("")
    if outputs:
        md.append("Outputs changing: " + ", ".join(f"`{o}`" for o in outputs))
    open(os.path.join(out, "summary.md"), "w").write("\n".join(md) + "\n")
    digest = artifact_digest(out)
    one_line = " ".join(f"{tag}: {line}".split())[:250]
    with open(os.path.join(work, "plan-exports"), "w") as f:
        f.write("\n".join([str(counts["add"]), str(counts["change"]), str(counts["destroy"]), str(counts["replace"]),
                           ",".join(flag_list) or "none", one_line, str(len(overrides)), digest]) + "\n")
    print("\n".join(md))
    print(f"plan artifact digest: sha256:{digest}")


# --- apply checks ----------------------------------------------------------------------------------------------


def check_artifact(folder, expected, work):
    if not re.fullmatch(r"[0-9a-f]{64}", expected or ""):
        fail(f"PLAN_DIGEST is {expected!r}: the apply action needs the digest the plan action exported "
             "(#{Plan.PLAN_DIGEST}); refusing to apply")
    copy = os.path.join(work, "plan")
    os.makedirs(copy, exist_ok=True)
    for name in ARTIFACT_FILES:
        source = os.path.join(folder, name)
        if not os.path.isfile(source) or os.path.islink(source):
            fail(f"the PlanOutput artifact has no regular file {name} (folder {folder}); refusing to apply")
        shutil.copyfile(source, os.path.join(copy, name))
    actual = artifact_digest(copy)
    if actual != expected:
        fail(f"plan artifact digest mismatch: the artifact has sha256:{actual}, the plan action exported "
             f"sha256:{expected}; the artifact was changed after the plan was made. Refusing to apply; state untouched.")
    print(f"plan artifact verified: sha256:{actual}")
    meta = json.load(open(os.path.join(copy, "plan-meta.json")))
    wrong = [f"{key}: plan has {meta.get(key)!r}, this release has {os.environ[var]!r}"
             for key, var in (("release_tag", "RELEASE_TAG"), ("commit", "COMMIT_ID"),
                              ("state_bucket", "STATE_BUCKET"), ("state_key", "STATE_KEY"))
             if meta.get(key) != os.environ[var]]
    if wrong:
        fail("the plan artifact belongs to another release: " + "; ".join(wrong))
    print(f"plan of {meta['release_tag']} made {meta.get('planned_at', '?')} against state serial {meta['serial']}")


def check_state(meta_file, state_file):
    meta = json.load(open(meta_file))
    text = open(state_file).read().strip()
    current = json.loads(text) if text else {}
    serial, lineage = current.get("serial", 0), current.get("lineage", "")
    if serial != meta["serial"]:
        fail(f"stale plan: state serial {meta['serial']} changed to {serial} since the plan; re-run the release")
    if lineage != meta["lineage"]:
        fail(f"stale plan: state lineage {meta['lineage'] or '(none)'} changed to {lineage or '(none)'} since the plan; re-run the release")
    print(f"state unchanged since the plan (serial {serial}, lineage {lineage or '(none)'})")


def drift_counts(plan_file):
    """Terraform's own counting: a replacement is one to add and one to destroy."""
    plan = json.load(open(plan_file))
    add = change = destroy = 0
    for rc in plan.get("resource_changes") or []:
        if rc.get("mode") == "data":
            continue
        actions = (rc.get("change") or {}).get("actions") or []
        if "create" in actions:
            add += 1
        if "delete" in actions:
            destroy += 1
        if actions == ["update"]:
            change += 1
    print(f"{add}\n{change}\n{destroy}")


COMMANDS = {
    "drift-counts": (drift_counts, 1),
    "release-vars": (release_vars, 3),
    "plan-summary": (plan_summary, 2),
    "digest": (lambda folder: print(artifact_digest(folder)), 1),
    "check-artifact": (check_artifact, 3),
    "check-state": (check_state, 2),
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS or len(sys.argv) - 2 != COMMANDS[sys.argv[1]][1]:
        fail(__doc__)
    function, _ = COMMANDS[sys.argv[1]]
    function(*sys.argv[2:])
