"""kafka-python's side of interop.test.ts: produces and consumes against a Cairn broker with
kafka-python's own KafkaProducer and KafkaConsumer, unchanged (no api_version pinned, so the
client probes the broker's ApiVersions as it would against Kafka).

Records travel as JSON lines, keys, values and header values in hex so that any bytes survive:
  {"partition": 0, "offset": 3, "key": "6b31" | null, "value": "7631" | null,
   "headers": [["name", "hex" | null], ...]}

  produce --bootstrap H:P --topic T          records from stdin (partition optional); prints
                                             each record with the partition and offset acked
  consume --bootstrap H:P --topic T --count N [--group G] [--linger-ms MS] [--timeout-ms MS]
                                             reads until N records have come and MS more ms
                                             pass with nothing new (to catch extras), or the
                                             timeout; prints what it read. With --group it
                                             subscribes (auto_offset_reset='earliest') and
                                             commits synchronously before closing; without,
                                             it assigns every partition from the beginning.

Run with Debian's /usr/bin/python3 (python3-kafka 2.0.2). Exits non-zero on any failure.
"""

import argparse
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def unhex(text):
    return None if text is None else bytes.fromhex(text)


def tohex(data):
    return None if data is None else data.hex()


def produce(args):
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=5)
    pending = []
    for line in sys.stdin:
        if not line.strip():
            continue
        record = json.loads(line)
        headers = [(name, unhex(value)) for name, value in record.get("headers", [])]
        future = producer.send(
            args.topic,
            key=unhex(record.get("key")),
            value=unhex(record.get("value")),
            headers=headers,
            partition=record.get("partition"),
        )
        pending.append((record, future))
    producer.flush(timeout=args.timeout_ms / 1000)
    for record, future in pending:
        metadata = future.get(timeout=args.timeout_ms / 1000)
        record["partition"] = metadata.partition
        record["offset"] = metadata.offset
        print(json.dumps(record), flush=True)
    producer.close(timeout=args.timeout_ms / 1000)


def open_consumer(args):
    common = dict(
        bootstrap_servers=args.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    if args.group is not None:
        consumer = KafkaConsumer(group_id=args.group, **common)
        consumer.subscribe([args.topic])
        return consumer
    consumer = KafkaConsumer(group_id=None, **common)
    partitions = None
    deadline = time.monotonic() + args.timeout_ms / 1000
    while not partitions:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no metadata for topic {args.topic}")
        partitions = consumer.partitions_for_topic(args.topic)
        if not partitions:
            time.sleep(0.1)
    assigned = [TopicPartition(args.topic, partition) for partition in sorted(partitions)]
    consumer.assign(assigned)
    consumer.seek_to_beginning(*assigned)
    return consumer


def consume(args):
    consumer = open_consumer(args)
    records = []
    deadline = time.monotonic() + args.timeout_ms / 1000
    linger_until = None
    while time.monotonic() < deadline:
        if linger_until is not None and time.monotonic() > linger_until:
            break
        batches = consumer.poll(timeout_ms=100)
        for partition_records in batches.values():
            for message in partition_records:
                records.append(
                    {
                        "partition": message.partition,
                        "offset": message.offset,
                        "key": tohex(message.key),
                        "value": tohex(message.value),
                        "headers": [[name, tohex(value)] for name, value in message.headers],
                    }
                )
        if len(records) >= args.count and linger_until is None:
            linger_until = time.monotonic() + args.linger_ms / 1000
    if args.group is not None:
        consumer.commit()
    consumer.close(autocommit=False)
    for record in records:
        print(json.dumps(record), flush=True)
    if len(records) < args.count:
        print(f"read {len(records)} of {args.count} records before the timeout", file=sys.stderr)
        sys.exit(3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["produce", "consume"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--linger-ms", type=int, default=1000)
    parser.add_argument("--timeout-ms", type=int, default=20000)
    args = parser.parse_args()
    if args.command == "produce":
        produce(args)
    else:
        consume(args)


if __name__ == "__main__":
    main()
