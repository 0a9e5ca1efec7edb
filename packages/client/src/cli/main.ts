#!/usr/bin/env node
/**
 * `cairn`: a command line for any Kafka-compatible cluster, built on the client, in the spirit
 * of Redpanda's rpk. `main(argv, io)` runs one command and resolves with its exit code (0 ok,
 * 1 a Kafka or connection error, 2 a usage error); run as a program it uses the process's
 * streams, and SIGINT stops a command that would run on (`consume` without `-n`) cleanly.
 */
import { realpathSync } from 'node:fs';
import { isKafkaClientError } from '../errors.js';
import { brokersDefault, brokersEnv, parseCommand, UsageError } from './cli-args.js';
import { type Command, usageOf } from './cli-command.js';
import { type CliIo, exitCodes, processIo } from './cli-io.js';
import { clusterCommands } from './cluster-commands.js';
import { consumeCommands } from './consume-command.js';
import { groupCommands } from './group-commands.js';
import { produceCommands } from './produce-command.js';
import { topicCommands } from './topic-commands.js';

export const commands: readonly Command[] = [
  ...topicCommands,
  ...produceCommands,
  ...consumeCommands,
  ...groupCommands,
  ...clusterCommands,
];

function generalUsage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const list = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: cairn COMMAND [options]',
    '',
    'Commands:',
    ...list,
    '',
    'Options every command takes:',
    `  -b, --brokers host:port,...  brokers to start from (default: $${brokersEnv}, or ${brokersDefault})`,
    '      --json                   one JSON document on stdout instead of tables',
    '  -h, --help                   the usage of the command',
    '',
  ].join('\n');
}

/** `cairn topic --help`: a command that prints the subcommands of a group. */
function commandGroup(name: string, verbs: readonly Command[]): Command {
  const width = Math.max(...verbs.map((verb) => verb.name.length));
  const list = verbs.map((verb) => `  ${verb.name.padEnd(width)}  ${verb.summary}`).join('\n');
  const group: Command = {
    name,
    summary: `Commands:\n${list}`,
    usage: 'COMMAND [options]',
    options: {},
    run: async ({ io }) => {
      io.stdout.write(usageOf(group));
    },
  };
  return group;
}

/** The command `argv` starts with: two words (`topic create`) or one (`produce`). */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } {
  const [first, second] = argv;
  const twoWords = commands.find((command) => command.name === `${first} ${second}`);
  if (twoWords !== undefined) return { command: twoWords, rest: argv.slice(2) };
  const oneWord = commands.find((command) => command.name === first);
  if (oneWord !== undefined) return { command: oneWord, rest: argv.slice(1) };
  const verbs = commands.filter((command) => command.name.startsWith(`${first} `));
  if (verbs.length > 0 && (second === '--help' || second === '-h')) {
    return { command: commandGroup(first!, verbs), rest: [] };
  }
  if (verbs.length > 0) {
    const names = verbs.map((command) => command.name.split(' ')[1]).join(', ');
    const what = second === undefined ? 'needs a subcommand' : `has no subcommand '${second}'`;
    throw new UsageError(`'${first}' ${what}: ${names}`);
  }
  throw new UsageError(`unknown command '${first}'`);
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(generalUsage());
    return first === undefined ? exitCodes.usageError : exitCodes.ok;
  }
  let command: Command | undefined;
  try {
    const found = findCommand(argv);
    command = found.command;
    const parsed = parseCommand(found.rest, command.options, io.env);
    if (parsed.global.help) {
      io.stdout.write(usageOf(command));
      return exitCodes.ok;
    }
    await command.run({
      io,
      brokers: parsed.global.brokers,
      json: parsed.global.json,
      values: parsed.values,
      positionals: parsed.positionals,
    });
    return exitCodes.ok;
  } catch (error) {
    return reportError(io, error, command);
  }
}

function reportError(io: CliIo, error: unknown, command: Command | undefined): number {
  if (error instanceof UsageError) {
    const usage = command === undefined ? generalUsage() : usageOf(command);
    io.stderr.write(`cairn: ${error.message}\n\n${usage}`);
    return exitCodes.usageError;
  }
  if (isKafkaClientError(error)) {
    io.stderr.write(`cairn: ${error.message}\n`);
    return exitCodes.kafkaError;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`cairn: ${message}\n`);
  return exitCodes.kafkaError;
}

/** Whether this file is the program (run directly or through a bin link), not imported. */
function isProgram(): boolean {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === import.meta.filename;
}

if (isProgram()) {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  process.exitCode = await main(process.argv.slice(2), processIo(interrupt.signal));
}
