"""An S3-compatible object store for the storage tests: the server .ci/run starts (S3_TEST_ENDPOINT_URL),
or else moto's server in a thread of this test process, so these tests run on every machine."""
import os
import socket
import uuid

import boto3
import pytest

from config.settings.base import file_storages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    url = os.environ.get("S3_TEST_ENDPOINT_URL")
    if url:
        yield url
        return
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """Switches every file storage of the application to a new, empty bucket; returns a boto3 client."""
    for name, value in {"S3_ENDPOINT_URL": s3_endpoint, "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test",
                        "S3_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"yichuang-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = file_storages("django.contrib.staticfiles.storage.StaticFilesStorage", bucket)
    client.bucket = bucket
    return client


def keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=client.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))
