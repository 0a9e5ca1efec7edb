// Proves the `cairn` command end to end against a real broker over TCP: each command's table and
// --json output, and the error paths (usage errors exit 2 with the usage, Kafka and connection
// errors exit 1 with the error on stderr and nothing on stdout).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runCli } from './run-cli.js';

let test: TestBroker;
let brokers: string;

beforeAll(async () => {
  test = await startTestBroker();
  brokers = test.broker.bootstrap;
});

afterAll(async () => {
  await test.stop();
});

const cli = (...argv: string[]) => runCli([...argv, '--brokers', brokers]);

describe('cairn usage', () => {
  it('lists the commands with --help, exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cluster info/);
  });

  it('prints the usage on stderr with no command, exit 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: cairn COMMAND/);
  });

  it('refuses an unknown command and an unknown subcommand, exit 2', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const verb = await runCli(['cluster', 'explode']);
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/'cluster' has no subcommand 'explode': info/);
  });

  it('refuses an unknown option and a bad --brokers, exit 2', async () => {
    const option = await cli('cluster', 'info', '--colour');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--colour'/);
    expect(option.stderr).toMatch(/Usage: cairn cluster info/);
    const bad = await runCli(['cluster', 'info', '--brokers', 'no-port']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--brokers wants host:port/);
  });

  it('prints a command usage with --help, exit 0', async () => {
    const run = await runCli(['cluster', 'info', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cairn cluster info/);
  });
});

describe('cairn cluster info', () => {
  it('shows the cluster id, the controller and the broker', async () => {
    const run = await cli('cluster', 'info');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CLUSTER ID +\S+/m);
    expect(run.stdout).toMatch(new RegExp(`^0\\* +127\\.0\\.0\\.1 +${test.broker.port}`, 'm'));
  });

  it('prints JSON with --json', async () => {
    const run = await cli('cluster', 'info', '--json');
    const info = JSON.parse(run.stdout);
    expect(info.brokers).toEqual([
      { nodeId: 0, host: '127.0.0.1', port: test.broker.port, rack: null },
    ]);
    expect(info.controllerId).toBe(0);
  });

  it('takes the brokers from CAIRN_BROKERS', async () => {
    const run = await runCli(['cluster', 'info', '--json'], { env: { CAIRN_BROKERS: brokers } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).controllerId).toBe(0);
  });

  it('exits 1 with the error when no broker answers', async () => {
    const run = await runCli(['cluster', 'info', '--brokers', '127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^cairn: NETWORK_EXCEPTION/);
  });
});

/** The built program (`tsc -b`, which `npm test` runs first), as the `cairn` bin link runs it. */
const builtMain = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function runBuilt(argv: string[], stdin = ''): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [builtMain, ...argv], { stdio: 'pipe' });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

describe.skipIf(!existsSync(builtMain))('the built cairn program', () => {
  it('exits with the command exit code and reads stdin', async () => {
    const produced = await runBuilt(['produce', 'built', '--json', '--brokers', brokers], 'x\ny\n');
    expect(produced.code).toBe(0);
    expect(JSON.parse(produced.stdout).recordCount).toBe(2);
    expect((await runBuilt(['cluster', 'info', '--bogus'])).code).toBe(2);
    expect((await runBuilt(['cluster', 'info', '--brokers', '127.0.0.1:1'])).code).toBe(1);
  });
});
