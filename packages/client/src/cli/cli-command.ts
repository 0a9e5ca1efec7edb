/**
 * The shape of one `cairn` command: its name as typed (`topic create`), its options for
 * parseArgs, the usage shown by `--help` and with usage errors, and the function that runs it.
 * Commands throw UsageError for bad input they find themselves and let client errors through;
 * main() turns both into messages and exit codes.
 */
import type { Options, OptionValues } from './cli-args.js';
import type { CliIo } from './cli-io.js';

export interface CommandContext {
  io: CliIo;
  /** host:port list from --brokers, CAIRN_BROKERS, or 127.0.0.1:9092. */
  brokers: string[];
  /** --json: one JSON document on stdout instead of tables. */
  json: boolean;
  values: OptionValues;
  positionals: string[];
}

export interface Command {
  /** As typed after `cairn`: 'topic create', 'produce'. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The arguments after the name, then one line per option. */
  usage: string;
  options: Options;
  run(context: CommandContext): Promise<void>;
}

export function usageOf(command: Command): string {
  return `Usage: cairn ${command.name} ${command.usage}\n\n${command.summary}\n`;
}
