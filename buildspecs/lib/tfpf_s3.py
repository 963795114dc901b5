"""S3 objects of the tools bundle: GetObject and PutObject, signed with Signature Version 4 (standard library only).

The build's credentials come from the environment (CodeBuild Lambda compute, the local runner, tests) or from the
container credentials endpoint (CodeBuild EC2 compute), as in tfpf_credentials.py, whose signer is used here.
The endpoint is TFPF_AWS_ENDPOINT (path-style, e.g. moto on 127.0.0.1) or the regional S3 endpoint of AWS_REGION
(virtual-hosted style). Objects are written without an encryption header: the bundle bucket's default encryption
(its customer-managed KMS key) applies.
"""

import datetime
import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request

from tfpf_credentials import DNS_SUFFIX, StsError, container_credentials, sign_v4

# Objects are streamed in chunks of this size (a checkov venv is ~90 MB compressed).
CHUNK = 1 << 20


class S3Error(Exception):
    """An S3 call that did not succeed; `status` is the HTTP status (None when the endpoint was not reached)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def credentials():
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return {
            "AccessKeyId": env["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": env["AWS_SECRET_ACCESS_KEY"],
            "SessionToken": env.get("AWS_SESSION_TOKEN", ""),
        }
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        try:
            return container_credentials()
        except StsError as error:
            raise S3Error(str(error)) from None
    raise S3Error("the build has no AWS credentials (neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor a container "
                  "credentials endpoint)")


def region():
    value = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not value:
        raise S3Error("AWS_REGION is not set")
    return value


def object_url(bucket, key):
    quoted = urllib.parse.quote(key, safe="/-_.~")
    endpoint = os.environ.get("TFPF_AWS_ENDPOINT", "").rstrip("/")
    if endpoint:
        return f"{endpoint}/{bucket}/{quoted}"
    partition = os.environ.get("AWS_PARTITION", "aws")
    if partition not in DNS_SUFFIX:
        raise S3Error(f"AWS_PARTITION {partition!r} is not supported (supported: {', '.join(sorted(DNS_SUFFIX))})")
    return f"https://{bucket}.s3.{region()}.{DNS_SUFFIX[partition]}/{quoted}"


def signed_request(method, bucket, key, body=b"", extra_headers=None):
    creds = credentials()
    url = object_url(bucket, key)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "host": urllib.parse.urlsplit(url).netloc,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        **(extra_headers or {}),
    }
    if creds.get("SessionToken"):
        headers["x-amz-security-token"] = creds["SessionToken"]
    headers["authorization"] = sign_v4(method, url, headers, body, creds["AccessKeyId"], creds["SecretAccessKey"],
                                       region(), "s3", amz_date)
    headers.pop("host")
    return urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers=headers)


def get_object(bucket, key, dest):
    """Writes s3://bucket/key to `dest`; returns its SHA-256 (hex), computed while it streams."""
    request = signed_request("GET", bucket, key)
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(request, timeout=300) as response, open(dest, "wb") as out:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as error:
        raise S3Error(f"s3://{bucket}/{key}: HTTP {error.code} {error.reason}", error.code) from None
    except (urllib.error.URLError, OSError) as error:
        raise S3Error(f"s3://{bucket}/{key}: {error}") from None
    return digest.hexdigest()


def put_object(bucket, key, path, content_type="application/octet-stream"):
    with open(path, "rb") as f:
        body = f.read()
    request = signed_request("PUT", bucket, key, body, {"content-type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise S3Error(f"s3://{bucket}/{key}: HTTP {error.code} {error.reason}", error.code) from None
    except (urllib.error.URLError, OSError) as error:
        raise S3Error(f"s3://{bucket}/{key}: {error}") from None
