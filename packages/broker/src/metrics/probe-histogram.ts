/**
 * A prom-client Histogram whose buckets are read at scrape time from BucketCounts kept on a
 * probe, instead of being filled by `observe` calls on the hot path. It overrides the one
 * method prom-client's Registry reads (`getForPromString`; `get` goes through it too) and
 * renders the same series a Histogram would: `_bucket{le}` (cumulative), `_sum`, `_count`.
 */
import { Histogram, type Registry } from 'prom-client';
import type { BucketCounts } from './bucket-counts.js';

type Labels = Record<string, string>;

export interface ProbeHistogramOptions<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  registry: Registry;
  /** Each labelled series and its counts, read at every scrape. */
  read: () => Iterable<readonly [Record<Label, string>, BucketCounts]>;
}

interface ExportedValue {
  labels: Labels;
  sharedLabels: Labels;
  value: number;
  metricName: string;
}

export class ProbeHistogram<Label extends string> extends Histogram<Label> {
  private readonly read: ProbeHistogramOptions<Label>['read'];
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(options: ProbeHistogramOptions<Label>) {
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      registers: [options.registry],
    });
    this.read = options.read;
    this.metricName = options.name;
    this.metricHelp = options.help;
  }

  /** What prom-client's Registry renders; the shape of Histogram's own. */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: ExportedValue[];
    aggregator: string;
  }> {
    const values: ExportedValue[] = [];
    for (const [labels, buckets] of this.read()) {
      let cumulative = 0;
      buckets.upperBounds.forEach((bound, slot) => {
        cumulative += buckets.counts[slot]!;
        values.push(this.value({ le: String(bound) }, labels, cumulative, '_bucket'));
      });
      values.push(this.value({ le: '+Inf' }, labels, buckets.count, '_bucket'));
      values.push(this.value({}, labels, buckets.sum, '_sum'));
      values.push(this.value({}, labels, buckets.count, '_count'));
    }
    const { metricName: name, metricHelp: help } = this;
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }

  private value(own: Labels, shared: Labels, value: number, suffix: string): ExportedValue {
    return {
      labels: own,
      sharedLabels: { ...shared },
      value,
      metricName: this.metricName + suffix,
    };
  }
}
