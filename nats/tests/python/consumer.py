"""A consumer of eventwire's events written with nothing of eventwire: the
official CloudEvents SDK and the NATS client, both from PyPI.

Usage: consumer.py URL SUBJECT COUNT (core | STREAM)

Reads COUNT messages from SUBJECT (core NATS, or the JetStream stream
STREAM), parses each with the CloudEvents SDK (binary mode when it has
`ce-` headers, structured otherwise, as the SDK decides), and prints one
JSON line per event with what the SDK read. Prints `ready` once subscribed.
"""

import asyncio
import json
import sys

import nats
from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat


def parse(msg):
    headers = dict(msg.headers or {})
    event = from_http(HTTPMessage(headers=headers, body=msg.data), JSONFormat())
    data = event.get_data()
    if isinstance(data, (bytes, str)):
        data = json.loads(data)
    return {
        "mode": "binary" if any(k.lower().startswith("ce-") for k in headers) else "structured",
        "specversion": event.get_specversion(),
        "id": event.get_id(),
        "source": event.get_source(),
        "type": event.get_type(),
        "time": event.get_time().isoformat() if event.get_time() else None,
        "subject": event.get_subject(),
        "datacontenttype": event.get_datacontenttype(),
        "correlationid": event.get_extension("correlationid"),
        "causationid": event.get_extension("causationid"),
        "traceparent": event.get_extension("traceparent"),
        "msgid": headers.get("Nats-Msg-Id"),
        "data": data,
    }


async def main(url, subject, count, where):
    nc = await nats.connect(url)
    if where == "core":
        sub = await nc.subscribe(subject)
    else:
        js = nc.jetstream()
        sub = await js.subscribe(subject, stream=where, ordered_consumer=True)
    # The server has the subscription before the producer is told to start:
    # a core NATS message published before it would be lost.
    await nc.flush()
    print("ready", flush=True)
    for _ in range(count):
        msg = await asyncio.wait_for(sub.next_msg(timeout=30), 35)
        print(json.dumps(parse(msg)), flush=True)
    await nc.close()


if __name__ == "__main__":
    url, subject, count, where = sys.argv[1:5]
    asyncio.run(main(url, subject, int(count), where))
