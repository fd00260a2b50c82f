#!/usr/bin/env python3
"""Generates the botocore-signed fixtures pasted into BotocoreFixturesTest.java.

Run with the Python of the pip-installed AWS CLI v1 (it ships botocore):

    python3 botocore_fixtures.py

The clock is frozen at 2026-11-28T10:15:00Z and the well-known example key pair is used, so the
output is deterministic for a given botocore version. Requests made through real clients (ECR,
IAM, STS) are captured at the "before-send" hook, i.e. exactly as they would go on the wire.
"""
import datetime
import json

import botocore
import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime.datetime(2026, 11, 28, 10, 15, 0, tzinfo=datetime.timezone.utc)

botocore.auth.get_current_datetime = lambda *args, **kwargs: NOW


class Captured(Exception):
    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def capture(request, **kwargs):
    raise Captured(request)


def client(service, region, endpoint):
    session = botocore.session.get_session()
    c = session.create_client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    c.meta.events.register("before-send", capture)
    return c


def emit(name, method, url, headers, body):
    if isinstance(body, str):
        body = body.encode("utf-8")
    print(json.dumps({
        "name": name,
        "method": method,
        "url": url,
        "headers": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in headers.items()},
        "body": (body or b"").decode("utf-8"),
    }, ensure_ascii=False))


def call(name, c, operation, **params):
    try:
        getattr(c, operation)(**params)
    except Captured as e:
        r = e.request
        emit(name, r.method, r.url, r.headers, r.body)


print("# botocore", botocore.__version__)
ecr = client("ecr", "us-east-1", "https://ecr.berth.test")
call("ecr-get-authorization-token", ecr, "get_authorization_token")
call("ecr-describe-images", ecr, "describe_images",
     repositoryName="team/app", imageIds=[{"imageTag": "v1 ü"}])
iam = client("iam", "us-east-1", "https://iam.berth.test")
call("iam-list-users", iam, "list_users", PathPrefix="/division_abc/subdivision_xyz/")
sts = client("sts", "eu-west-1", "https://sts.berth.test")
call("sts-get-caller-identity", sts, "get_caller_identity")

# SigV4Auth directly, on a GET whose query needs encoding.
request = AWSRequest(
    method="GET",
    url="https://ecr.berth.test/a%20b/c",
    params={"b": "x y/z~", "a": "ü", "empty": "", "A": "1"},
    headers={"X-Custom": "  spaced   value  "},
)
SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ecr", "us-east-1").add_auth(request)
prepared = request.prepare()
emit("sigv4auth-get-query", prepared.method, prepared.url, prepared.headers, prepared.body)

# A presigned URL (query-string form) for STS GetCallerIdentity, made as `aws eks get-token` does
# (HttpMethod="GET"; without it botocore signs the operation's method, POST).
url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=900, HttpMethod="GET")
print(json.dumps({"name": "sts-presigned-get-caller-identity", "method": "GET", "url": url}))
