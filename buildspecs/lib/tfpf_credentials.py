"""Credentials of the Terraform actions (plan, apply): the AWS profiles and their credential_process.

  configure <work> <action> <role-arn>   write <work>/aws-config and the inputs of the commands below
  source <work>                          credential_process of [profile tfpf-state]: the build's own identity
  assume <work>                          credential_process of [profile tfpf-target]: the workload role, assumed
                                         with SourceIdentity "tfpf.<tag with / as @>" (the workload roles require it)
  check <work>                           assume the workload role and print who the providers run as

The build's own credentials come from the environment (CodeBuild Lambda compute, the local runner) or from the
container credentials endpoint (CodeBuild EC2 compute): one code path for all three. STS calls are signed here with
Signature Version 4 (standard library only), so nothing depends on an AWS CLI or SDK being installed in the image.
Inputs are JSON files in <work> (mode 0600); nothing is passed through a shell.
"""

import datetime
import hashlib
import hmac
import json
import os
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

STS_VERSION = "2011-06-15"
SESSION_SECONDS = 3600  # role chaining (CodeBuild role -> workload role) is capped at one hour by STS
ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-")
DNS_SUFFIX = {"aws": "amazonaws.com", "aws-us-gov": "amazonaws.com", "aws-cn": "amazonaws.com.cn"}


def fail(message):
    sys.stderr.write(f"tfpf credentials: {message}\n")
    sys.exit(1)


def sts_identifier(text, limit=64):
    """A session name or source identity: STS allows [\\w+=,.@-], at most 64 characters."""
    return "".join(c if c in ID_CHARS else "@" for c in text)[:limit]


def source_identity(tag):
    return sts_identifier("tfpf." + tag.replace("/", "@"))


# --- Signature Version 4 -------------------------------------------------------------------------------------


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign_v4(method, url, headers, body, access_key, secret_key, region, service, amz_date):
    """Returns the Authorization header value for a request (headers: lower-case names, host included)."""
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}" for k, v in sorted(query)
    )
    names = sorted(headers)
    canonical_headers = "".join(f"{n}:{' '.join(str(headers[n]).split())}\n" for n in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [method, parsed.path or "/", canonical_query, canonical_headers, signed_headers, hashlib.sha256(body).hexdigest()]
    )
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode("utf-8"), day), region), service), "aws4_request")
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


def sts_call(settings, creds, params):
    """One signed STS query-API call; returns the parsed XML result element or exits with the STS error."""
    endpoint = settings["sts_endpoint"]
    body = urllib.parse.urlencode({**params, "Version": STS_VERSION}).encode("utf-8")
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    host = urllib.parse.urlsplit(endpoint).netloc
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host,
        "x-amz-date": amz_date,
    }
    if creds.get("SessionToken"):
        headers["x-amz-security-token"] = creds["SessionToken"]
    headers["authorization"] = sign_v4(
        "POST", endpoint + "/", {k: v for k, v in headers.items()}, body,
        creds["AccessKeyId"], creds["SecretAccessKey"], settings["sts_region"], "sts", amz_date,
    )
    request = urllib.request.Request(endpoint + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            root = ET.fromstring(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")
        try:
            err = ET.fromstring(detail)
            code = next((e.text for e in err.iter() if e.tag.endswith("Code")), "")
            message = next((e.text for e in err.iter() if e.tag.endswith("Message")), "")
            detail = f"{code}: {message}"
        except ET.ParseError:
            detail = detail[:300]
        raise StsError(f"{params['Action']} failed (HTTP {error.code}): {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise StsError(f"{params['Action']}: cannot reach {endpoint}: {error}") from None
    return {e.tag.split("}")[-1]: e for e in root.iter()}


class StsError(Exception):
    pass


# --- credentials -----------------------------------------------------------------------------------------------


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def container_credentials():
    """CodeBuild EC2 compute: the ECS-style container credentials endpoint."""
    env = os.environ
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        url = "http://169.254.170.2" + env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]
    else:
        url = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    request = urllib.request.Request(url)
    token = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
    if not token and env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"):
        with open(env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], encoding="utf-8") as f:
            token = f.read().strip()
    if token:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            data = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise StsError(f"cannot read the build's credentials from the container endpoint {url}: {error}") from None
    return {
        "AccessKeyId": data["AccessKeyId"],
        "SecretAccessKey": data["SecretAccessKey"],
        "SessionToken": data.get("Token", ""),
        **({"Expiration": data["Expiration"]} if data.get("Expiration") else {}),
    }


def build_credentials(work):
    source = read_json(os.path.join(work, "source.json"))
    if source.get("kind") == "container":
        return container_credentials()
    return {k: source[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken") if source.get(k)}


def assume(work):
    settings = read_json(os.path.join(work, "target.json"))
    result = sts_call(
        settings,
        build_credentials(work),
        {
            "Action": "AssumeRole",
            "RoleArn": settings["role_arn"],
            "RoleSessionName": settings["session_name"],
            "SourceIdentity": settings["source_identity"],
            "DurationSeconds": str(SESSION_SECONDS),
        },
    )
    try:
        return {
            "AccessKeyId": result["AccessKeyId"].text,
            "SecretAccessKey": result["SecretAccessKey"].text,
            "SessionToken": result["SessionToken"].text,
            "Expiration": result["Expiration"].text,
        }
    except KeyError as missing:
        raise StsError(f"AssumeRole answered without {missing}") from None


def process_output(creds):
    return json.dumps({"Version": 1, **creds})


# --- commands --------------------------------------------------------------------------------------------------


def configure(work, action, role_arn):
    env = os.environ
    tag = env["RELEASE_TAG"]
    partition = env.get("AWS_PARTITION", "aws")
    if partition not in DNS_SUFFIX:
        fail(f"AWS_PARTITION {partition!r} is not supported (supported: {', '.join(sorted(DNS_SUFFIX))})")
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        source = {
            "kind": "environment",
            "AccessKeyId": env["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": env["AWS_SECRET_ACCESS_KEY"],
            "SessionToken": env.get("AWS_SESSION_TOKEN", ""),
        }
        origin = "environment credentials"
    elif env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        source = {"kind": "container"}
        origin = "container credentials endpoint"
    else:
        fail("the build has no AWS credentials: neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (Lambda compute) nor "
             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI (EC2 compute) is set")
    sts_region = env.get("STATE_REGION") or env.get("AWS_REGION")
    endpoint = env.get("AWS_ENDPOINT_URL_STS") or env.get("TFPF_AWS_ENDPOINT") or f"https://sts.{sts_region}.{DNS_SUFFIX[partition]}"
    target = {
        "role_arn": role_arn,
        "session_name": sts_identifier(f"tfpf-{action}-{tag}"),
        "source_identity": source_identity(tag),
        "sts_region": sts_region,
        "sts_endpoint": endpoint.rstrip("/"),
    }
    write_private(os.path.join(work, "source.json"), json.dumps(source))
    write_private(os.path.join(work, "target.json"), json.dumps(target, indent=2))
    helper = shlex.quote(os.path.abspath(__file__))
    quoted_work = shlex.quote(os.path.abspath(work))
    config = "\n".join([
        f"# Written by tfpf for the {action} action of one release (see the release log for its tag).",
        "[profile tfpf-state]",
        f"region = {env['STATE_REGION']}",
        f"credential_process = python3 {helper} source {quoted_work}",
        "",
        "[profile tfpf-target]",
        f"region = {env['TARGET_REGION']}",
        f"credential_process = python3 {helper} assume {quoted_work}",
        "",
    ])
    write_private(os.path.join(work, "aws-config"), config)
    print(f"credentials: the build's {origin}; workload sessions {target['session_name']} "
          f"with source identity {target['source_identity']}")


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    command, args = argv[0], argv[1:]
    try:
        if command == "configure" and len(args) == 3:
            configure(*args)
        elif command == "source" and len(args) == 1:
            print(process_output(build_credentials(args[0])))
        elif command == "assume" and len(args) == 1:
            print(process_output(assume(args[0])))
        elif command == "check" and len(args) == 1:
            settings = read_json(os.path.join(args[0], "target.json"))
            try:
                creds = assume(args[0])
                identity = sts_call(settings, creds, {"Action": "GetCallerIdentity"})
            except StsError as error:
                fail(f"cannot assume {settings['role_arn']} with the build's role: {error}")
            print(f"providers run as: {identity['Arn'].text}")
        else:
            fail(f"unknown command {' '.join(argv)!r}\n{__doc__}")
    except StsError as error:
        fail(str(error))


if __name__ == "__main__":
    main(sys.argv[1:])
