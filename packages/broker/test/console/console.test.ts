/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core against a
 * real broker. Records produced with kafkajs must show up in the topic list (live, without a
 * reload) with a produce rate per topic and per partition, and the record browser must render
 * their keys, headers and pretty-printed values, and follow records produced after it opened.
 * The page refreshes every 200 ms here (`?refresh=200`; 2 s by default) to keep the test short.
 * Skipped with a message only where no Chromium can be found (scripts/install-interop-tools.sh
 * installs it on CI).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/broker.js';

const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (chromiumPath === undefined) {
  console.warn(
    'console.test.ts: skipped, no Chromium at /usr/bin/chromium (apt-get install chromium)',
  );
}

describe.skipIf(chromiumPath === undefined)('web console in Chromium', () => {
  let dataDir: string;
  let broker: RunningBroker;
  let browser: Browser;
  let kafka: Kafka;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-console-'));
    broker = await startBroker({ dataDir, kafkaPort: 0, httpPort: 0 });
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
    await admin.disconnect();
    browser = await chromium.launch({
      executablePath: chromiumPath!,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function produce(count: number, from: number): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'orders',
      messages: Array.from({ length: count }, (_, i) => ({
        partition: 0,
        key: `order-${from + i}`,
        value: JSON.stringify({ id: from + i, item: 'lantern', qty: 2 }),
        headers: { source: 'console-test' },
      })),
    });
    await producer.disconnect();
  }

  it('lists topics live and browses a partition from an offset', async () => {
    await produce(3, 0);
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${broker.http!.url}/?refresh=200`);

    const topicRow = page.locator('tr[data-topic="orders"]');
    await expect.poll(() => topicRow.locator('td').nth(2).textContent()).toBe('3');
    await produce(2, 3);
    // The page refreshes by itself: the record count moves without a reload.
    await expect
      .poll(() => topicRow.locator('td').nth(2).textContent(), { timeout: 10_000 })
      .toBe('5');

    await topicRow.click();
    // Partition 0's produce rate moves when records arrive (from 0/s), partition 1's does not.
    const partitionRates = page.locator('td.rate');
    await expect.poll(() => partitionRates.count()).toBe(2);
    const produced = produce(20, 5);
    await expect
      .poll(async () => (await partitionRates.nth(0).textContent()) !== '0/s ', { interval: 20 })
      .toBe(true);
    await produced;
    expect(await partitionRates.nth(1).textContent()).toBe('0/s ');

    await page.locator('input[name="offset"]').fill('1');
    await page.getByRole('button', { name: 'Show records' }).click();
    const records = page.locator('tr.record');
    await expect.poll(() => records.count()).toBe(24);
    const first = records.first();
    expect(await first.locator('td').nth(0).textContent()).toBe('1');
    expect(await first.locator('td').nth(2).textContent()).toBe('order-1');
    // Pretty-printed JSON: one field per line.
    expect(await first.locator('pre.value').textContent()).toBe(
      JSON.stringify({ id: 1, item: 'lantern', qty: 2 }, null, 2),
    );
    expect(await first.locator('.headers').textContent()).toBe('source=console-test');
    // The browser follows the partition: a record produced now appears without a click.
    await produce(1, 25);
    await expect.poll(() => records.count()).toBe(25);
    expect(await records.last().locator('td').nth(2).textContent()).toBe('order-25');
    if (process.env.CAIRN_CONSOLE_SCREENSHOT) {
      await page.screenshot({ path: process.env.CAIRN_CONSOLE_SCREENSHOT, fullPage: true });
    }
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a group with its committed offsets and lag', async () => {
    // 26 records on partition 0 (from the first test); the group has read 2 of them.
    const reset = await fetch(`${broker.http!.url}/groups/billing/offsets/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'orders', partitions: [0], to: { offset: 2 } }),
    });
    expect(reset.status).toBe(200);
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${broker.http!.url}/?refresh=200#/groups`);
    const groupRow = page.locator('tr[data-group="billing"]');
    await expect.poll(() => groupRow.locator('td').nth(3).textContent()).toBe('24');
    await groupRow.click();
    const lagCells = page.locator('tr[data-partition="orders/0"] td');
    await expect.poll(() => lagCells.nth(2).textContent()).toBe('2');
    expect(await lagCells.nth(4).textContent()).toBe('24');
    await page.close();
  }, 60_000);
});
