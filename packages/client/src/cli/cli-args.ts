/**
 * Command-line parsing for `cairn` on node:util's parseArgs: the options every command takes
 * (`--brokers`, `--json`, `--help`), value checks that name the flag at fault, and UsageError,
 * which main() turns into exit code 2 with the command's usage.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const brokersDefault = '127.0.0.1:9092';
export const brokersEnv = 'CAIRN_BROKERS';

/** A mistake in the command line; printed with the usage of the command, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const globalOptions = {
  brokers: { type: 'string', short: 'b' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface GlobalFlags {
  brokers: string[];
  json: boolean;
  help: boolean;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface ParsedCommand {
  values: OptionValues;
  positionals: string[];
  global: GlobalFlags;
}

/** parseArgs with the global options added; its errors become UsageErrors. */
export function parseCommand(
  args: readonly string[],
  options: Options,
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...options, ...globalOptions },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const brokerList = stringOption(values, 'brokers') ?? env[brokersEnv] ?? brokersDefault;
  return {
    values,
    positionals: parsed.positionals,
    global: {
      brokers: parseBrokers(brokerList),
      json: values.json === true,
      help: values.help === true,
    },
  };
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An option given `multiple: true`: every occurrence, in order. */
export function stringsOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function parseBrokers(list: string): string[] {
  const brokers = list
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) throw new UsageError('--brokers lists no broker');
  for (const broker of brokers) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(broker)) {
      throw new UsageError(`--brokers wants host:port[,host:port...], got '${broker}'`);
    }
  }
  return brokers;
}

/** A whole number within [min, max]; `flag` names it in the error. */
export function parseInteger(
  value: string,
  flag: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const parsed = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`${flag} wants a whole number ${range}, got '${value}'`);
  }
  return parsed;
}

/** `a,b,c` of whole numbers (partitions). */
export function parseIntegerList(value: string, flag: string): number[] {
  return value.split(',').map((item) => parseInteger(item, flag));
}

/** `key=value` (headers, configs); the value may hold '='. */
export function parseKeyValue(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} wants key=value, got '${pair}'`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** A point in time: milliseconds since the epoch, or an ISO 8601 date. */
export function parseTimestamp(value: string, flag: string): number {
  if (/^\d+$/.test(value)) return parseInteger(value, flag);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new UsageError(`${flag} wants milliseconds or an ISO 8601 date, got '${value}'`);
  }
  return ms;
}

/** Kafka's acks: 0, 1, or all (-1). */
export function parseAcks(value: string): 0 | 1 | -1 {
  if (value === '0') return 0;
  if (value === '1') return 1;
  if (value === 'all' || value === '-1') return -1;
  throw new UsageError(`--acks wants 0, 1 or all, got '${value}'`);
}

/** Exactly `count` positionals, named in the error. */
export function positionalsOf(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(' ')}`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  }
  return [...positionals];
}
