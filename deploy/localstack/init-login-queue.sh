#!/bin/bash
# LocalStack "ready" hook: create login-queue and fill it with the bundled sample (mounted at /samples).
set -euo pipefail
awslocal sqs create-queue --queue-name login-queue >/dev/null
# LocalStack's own Python has boto3; batches of ten keep this to a few seconds.
PYTHON=/opt/code/localstack/.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
"$PYTHON" - <<'PY'
import boto3
sqs = boto3.client("sqs", endpoint_url="http://localhost:4566", region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
url = sqs.get_queue_url(QueueName="login-queue")["QueueUrl"]
bodies = [line.rstrip("\n") for line in open("/samples/login-events.jsonl") if line.strip()]
for start in range(0, len(bodies), 10):
    entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])]
    sqs.send_message_batch(QueueUrl=url, Entries=entries)
print(f"login-queue: loaded {len(bodies)} sample events")
PY
