"""confluent-kafka's side of interop.test.ts: produces, consumes and administers a Cairn broker
with confluent-kafka (librdkafka 2.0's Python binding) unchanged: no api.version.request or
broker.version.fallback tweaks, so librdkafka negotiates with ApiVersions as against Kafka.

Records travel as JSON lines, keys, values and header values in hex so that any bytes survive:
  {"partition": 0, "offset": 3, "key": "6b31" | null, "value": "7631" | null,
   "headers": [["name", "hex" | null], ...], "timestamp": 1700000000000}

  produce --bootstrap H:P --topic T          records from stdin (partition and timestamp
                                             optional) through an idempotent producer
                                             (enable.idempotence=true, so acks=all); prints each
                                             record with the partition and offset acked
  consume --bootstrap H:P --topic T --count N [--group G [--instance-id I]] [--linger-ms MS]
          [--timeout-ms MS]
                                             reads until N records have come and MS more ms
                                             pass with nothing new (to catch extras), or the
                                             timeout; prints what it read. With --group it
                                             subscribes (auto.offset.reset=earliest, no auto
                                             commit), commits synchronously and prints the
                                             committed offsets on stderr's last line as JSON;
                                             without, it assigns every partition from offset 0.
                                             --instance-id makes it a static member
                                             (group.instance.id), which leaves no group on close
  groups --bootstrap H:P --group G           prints the group as AdminClient.list_groups
                                             describes it (state, protocol, member count)
  transactional --bootstrap H:P --topic T    init_transactions() of a transactional producer
                                             (bounded by --timeout-ms); prints its outcome
  offsets --bootstrap H:P --topic T --timestamp MS [--group G]
                                             prints one JSON object: per partition the low and
                                             high watermarks, the offset for the timestamp
                                             (ListOffsets by time) and the group's committed
                                             offset (OffsetFetch), -1001 where there is none
  admin --bootstrap H:P --topic T [--group G]
                                             AdminClient: create_topics (and again, to see
                                             TOPIC_ALREADY_EXISTS, and with 3 replicas),
                                             describe_configs,
                                             alter_configs, create_partitions, list_topics,
                                             list_groups (ListGroups + DescribeGroups),
                                             describe_configs of the broker, delete_topics;
                                             prints one JSON line per step

Run with Debian's /usr/bin/python3 (python3-confluent-kafka 1.7). Exits non-zero on any failure.
"""

import argparse
import json
import sys
import time

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


def unhex(text):
    return None if text is None else bytes.fromhex(text)


def tohex(data):
    return None if data is None else data.hex()


def produce(args):
    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
        }
    )
    acked = []
    failures = []

    def on_delivery(error, message, record):
        if error is not None:
            failures.append(f"{error.name()}: {error.str()}")
            return
        record["partition"] = message.partition()
        record["offset"] = message.offset()
        acked.append(record)

    for line in sys.stdin:
        if not line.strip():
            continue
        record = json.loads(line)
        headers = [(name, unhex(value)) for name, value in record.get("headers", [])]
        options = {}
        if record.get("partition") is not None:
            options["partition"] = record["partition"]
        if record.get("timestamp") is not None:
            options["timestamp"] = record["timestamp"]
        producer.produce(
            args.topic,
            key=unhex(record.get("key")),
            value=unhex(record.get("value")),
            headers=headers,
            on_delivery=lambda error, message, record=record: on_delivery(error, message, record),
            **options,
        )
        producer.poll(0)
    remaining = producer.flush(args.timeout_ms / 1000)
    if remaining > 0 or failures:
        print(f"{remaining} records not delivered; failures: {failures}", file=sys.stderr)
        sys.exit(3)
    for record in acked:
        print(json.dumps(record), flush=True)


def consumer_config(args, group):
    static = {} if args.instance_id is None else {"group.instance.id": args.instance_id}
    return {
        **static,
        "bootstrap.servers": args.bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 300,
    }


def topic_partitions(client, topic, timeout_s):
    """The topic's partitions from metadata, waiting while it is not there yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        metadata = client.list_topics(topic, timeout=timeout_s)
        found = metadata.topics.get(topic)
        if found is not None and found.error is None and found.partitions:
            return sorted(found.partitions)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no metadata for topic {topic}")
        time.sleep(0.1)


def consume(args):
    # librdkafka needs a group.id even for assign(); a name no test uses, and no commits.
    group = args.group if args.group is not None else "interop-confluent-assign-only"
    consumer = Consumer(consumer_config(args, group))
    if args.group is not None:
        consumer.subscribe([args.topic])
    else:
        partitions = topic_partitions(consumer, args.topic, args.timeout_ms / 1000)
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])
    records = []
    deadline = time.monotonic() + args.timeout_ms / 1000
    linger_until = None
    while time.monotonic() < deadline:
        if linger_until is not None and time.monotonic() > linger_until:
            break
        message = consumer.poll(0.1)
        if message is not None:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
            else:
                records.append(
                    {
                        "partition": message.partition(),
                        "offset": message.offset(),
                        "key": tohex(message.key()),
                        "value": tohex(message.value()),
                        "headers": [
                            [name, tohex(value)] for name, value in (message.headers() or [])
                        ],
                    }
                )
        if len(records) >= args.count and linger_until is None:
            linger_until = time.monotonic() + args.linger_ms / 1000
    if args.group is not None and records:
        committed = consumer.commit(asynchronous=False)
        for partition in committed:
            if partition.error is not None:
                raise KafkaException(partition.error)
        summary = {str(p.partition): p.offset for p in committed}
        print(json.dumps({"committed": summary}), file=sys.stderr)
    consumer.close()
    for record in records:
        print(json.dumps(record), flush=True)
    if len(records) < args.count:
        print(f"read {len(records)} of {args.count} records before the timeout", file=sys.stderr)
        sys.exit(3)


def offsets(args):
    group = args.group if args.group is not None else "interop-confluent-offsets"
    consumer = Consumer(consumer_config(args, group))
    timeout_s = args.timeout_ms / 1000
    partitions = topic_partitions(consumer, args.topic, timeout_s)
    by_time = consumer.offsets_for_times(
        [TopicPartition(args.topic, p, args.timestamp) for p in partitions], timeout_s
    )
    committed = consumer.committed([TopicPartition(args.topic, p) for p in partitions], timeout_s)
    result = {}
    for partition in partitions:
        low, high = consumer.get_watermark_offsets(
            TopicPartition(args.topic, partition), timeout_s
        )
        result[str(partition)] = {
            "low": low,
            "high": high,
            "forTimestamp": next(tp.offset for tp in by_time if tp.partition == partition),
            "committed": next(tp.offset for tp in committed if tp.partition == partition),
        }
    consumer.close()
    print(json.dumps(result), flush=True)


def describe_group(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    groups = admin.list_groups(args.group, timeout=args.timeout_ms / 1000)
    described = [
        {"id": g.id, "state": g.state, "protocol": g.protocol, "members": len(g.members)}
        for g in groups
    ]
    print(json.dumps(described), flush=True)


def transactional(args):
    producer = Producer({"bootstrap.servers": args.bootstrap, "transactional.id": args.topic})
    started = time.monotonic()
    try:
        producer.init_transactions(args.timeout_ms / 1000)
        outcome = {"error": None}
    except KafkaException as error:
        reason = error.args[0]
        outcome = {"error": reason.name(), "message": reason.str(), "fatal": reason.fatal()}
    outcome["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(outcome), flush=True)


def step(name, **values):
    print(json.dumps({"step": name, **values}), flush=True)


def wait_all(futures, timeout_s):
    """{key: None} when each future succeeded, else {key: the KafkaError's name}."""
    outcome = {}
    for key, future in futures.items():
        try:
            future.result(timeout=timeout_s)
            outcome[str(key)] = None
        except KafkaException as error:
            outcome[str(key)] = error.args[0].name()
    return outcome


def topic_configs(admin, topic, timeout_s):
    """{name: value} of every config, and the names set on the topic (not defaults)."""
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin.describe_configs([resource])[resource].result(timeout=timeout_s)
    values = {name: entry.value for name, entry in entries.items()}
    overrides = sorted(name for name, entry in entries.items() if not entry.is_default)
    return {"values": values, "overrides": overrides}


def partition_count(admin, topic, timeout_s):
    found = admin.list_topics(topic, timeout=timeout_s).topics.get(topic)
    return None if found is None or found.error is not None else len(found.partitions)


def admin_steps(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    timeout_s = args.timeout_ms / 1000
    topic = args.topic

    new_topic = NewTopic(topic, 2, 1, config={"retention.ms": "3600000", "segment.ms": "1800000"})
    step("create_topics", errors=wait_all(admin.create_topics([new_topic]), timeout_s))
    step("create_topics_again", errors=wait_all(admin.create_topics([new_topic]), timeout_s))
    # One broker cannot hold three replicas: Kafka answers INVALID_REPLICATION_FACTOR.
    invalid = NewTopic(f"{topic}-invalid", 1, 3)
    step("create_topics_invalid", errors=wait_all(admin.create_topics([invalid]), timeout_s))

    configs = topic_configs(admin, topic, timeout_s)
    step("describe_configs", **configs)

    resource = ConfigResource(
        ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000"}
    )
    altered = {r.name: future for r, future in admin.alter_configs([resource]).items()}
    step("alter_configs", errors=wait_all(altered, timeout_s))
    step("describe_configs_altered", **topic_configs(admin, topic, timeout_s))

    more = NewPartitions(topic, 4)
    step("create_partitions", errors=wait_all(admin.create_partitions([more]), timeout_s))
    step("partition_count", count=partition_count(admin, topic, timeout_s))
    fewer = NewPartitions(topic, 3)
    step("create_partitions_fewer", errors=wait_all(admin.create_partitions([fewer]), timeout_s))

    metadata = admin.list_topics(timeout=timeout_s)
    step(
        "list_topics",
        topics=sorted(metadata.topics),
        brokers=[f"{b.host}:{b.port}" for b in metadata.brokers.values()],
        controller=metadata.controller_id,
    )

    groups = admin.list_groups(timeout=timeout_s)
    step(
        "list_groups",
        groups=[
            {
                "id": group.id,
                "state": group.state,
                "protocol_type": group.protocol_type,
                "error": None if group.error is None else group.error.name(),
                "members": len(group.members),
            }
            for group in groups
        ],
    )
    if args.group is not None:
        described = admin.list_groups(args.group, timeout=timeout_s)
        step("describe_group", groups=[[g.id, g.state, g.protocol_type] for g in described])

    broker_id = str(next(iter(metadata.brokers)))
    broker = ConfigResource(ConfigResource.Type.BROKER, broker_id)
    entries = admin.describe_configs([broker])[broker].result(timeout=timeout_s)
    step("describe_broker_configs", count=len(entries))

    step("delete_topics", errors=wait_all(admin.delete_topics([topic]), timeout_s))
    missing = f"{topic}-never-created"
    step("delete_topics_unknown", errors=wait_all(admin.delete_topics([missing]), timeout_s))
    deadline = time.monotonic() + timeout_s
    while topic in admin.list_topics(timeout=timeout_s).topics and time.monotonic() < deadline:
        time.sleep(0.1)
    step("listed_after_delete", listed=topic in admin.list_topics(timeout=timeout_s).topics)


def main():
    parser = argparse.ArgumentParser()
    commands = {
        "produce": produce,
        "consume": consume,
        "offsets": offsets,
        "admin": admin_steps,
        "groups": describe_group,
        "transactional": transactional,
    }
    parser.add_argument("command", choices=sorted(commands))
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic")
    parser.add_argument("--group")
    parser.add_argument("--instance-id")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--timestamp", type=int, default=0)
    parser.add_argument("--linger-ms", type=int, default=1000)
    parser.add_argument("--timeout-ms", type=int, default=20000)
    args = parser.parse_args()
    commands[args.command](args)


if __name__ == "__main__":
    main()
