// Proves the DescribeConfigs codecs (v0-v2) agree with kafkajs and @platformatic/kafka in both
// directions, write IsDefault in v0 and ConfigSource and Synonyms from v1 (filling defaults
// for the one a version lacks), and reject every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
  describeConfigsApi,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  kafkajsDecode,
  kafkajsRequestBytes,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const TOPIC = 2;
const DEFAULT_CONFIG = 5;
const TOPIC_CONFIG = 1;

const request: DescribeConfigsRequest = {
  resources: [
    { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['retention.ms'] },
    { resourceType: 4, resourceName: '1', configurationKeys: null },
  ],
  includeSynonyms: true,
};

const response: DescribeConfigsResponse = {
  throttleTimeMs: 2,
  results: [
    {
      errorCode: 0,
      errorMessage: null,
      resourceType: TOPIC,
      resourceName: 'orders',
      configs: [
        {
          name: 'retention.ms',
          value: '86400000',
          readOnly: false,
          isDefault: false,
          configSource: TOPIC_CONFIG,
          isSensitive: false,
          synonyms: [{ name: 'retention.ms', value: '86400000', source: TOPIC_CONFIG }],
        },
        {
          name: 'segment.bytes',
          value: '1073741824',
          readOnly: false,
          isDefault: true,
          configSource: DEFAULT_CONFIG,
          isSensitive: false,
          synonyms: [],
        },
      ],
    },
  ],
};

describe('DescribeConfigs', () => {
  it('decodes kafkajs requests, v0-v2', async () => {
    for (const version of versionsOf(describeConfigsApi)) {
      const bytes = await kafkajsRequestBytes('describeConfigs', version, {
        includeSynonyms: true,
        resources: [
          { type: TOPIC, name: 'orders', configNames: ['retention.ms'] },
          // kafkajs writes an empty key list as null (every key).
          { type: 4, name: '1', configNames: [] },
        ],
      });
      expect(decodeRequest(describeConfigsApi, version, bytes)).toEqual({
        ...request,
        includeSynonyms: version >= 1,
      });
    }
  });

  it('decodes @platformatic/kafka requests, v0-v2', () => {
    for (const version of versionsOf(describeConfigsApi)) {
      const resources = [request.resources[0]];
      const bytes = platformaticRequestBytes('describeConfigs', version, resources, true);
      expect(decodeRequest(describeConfigsApi, version, bytes)).toEqual({
        resources,
        includeSynonyms: version >= 1,
      });
    }
  });

  it('encodes responses kafkajs decodes, v0-v2', async () => {
    for (const version of versionsOf(describeConfigsApi)) {
      const bytes = encodeResponse(describeConfigsApi, version, response);
      const decoded = await kafkajsDecode('describeConfigs', version, bytes);
      const [resource] = decoded.resources as Array<Record<string, unknown>>;
      expect(resource).toMatchObject({ errorCode: 0, resourceType: TOPIC, resourceName: 'orders' });
      const synonyms = (configSynonyms: unknown[]) => (version >= 1 ? { configSynonyms } : {});
      expect(resource?.configEntries).toEqual([
        {
          configName: 'retention.ms',
          configValue: '86400000',
          readOnly: false,
          isDefault: false,
          configSource: TOPIC_CONFIG,
          isSensitive: false,
          ...synonyms([
            { configName: 'retention.ms', configValue: '86400000', configSource: TOPIC_CONFIG },
          ]),
        },
        {
          configName: 'segment.bytes',
          configValue: '1073741824',
          readOnly: false,
          isDefault: true,
          configSource: DEFAULT_CONFIG,
          isSensitive: false,
          ...synonyms([]),
        },
      ]);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v2', () => {
    for (const version of versionsOf(describeConfigsApi)) {
      const bytes = encodeResponse(describeConfigsApi, version, response);
      const parsed = platformaticParse(describeConfigsApi, 'describeConfigs', version, bytes);
      expect(parsed).toMatchObject({
        results: [
          {
            resourceName: 'orders',
            configs: [
              { name: 'retention.ms', value: '86400000', readOnly: false, isSensitive: false },
              { name: 'segment.bytes', value: '1073741824' },
            ],
          },
        ],
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(describeConfigsApi)) {
      const bytes = encodeRequest(describeConfigsApi, version, request);
      expect(decodeRequest(describeConfigsApi, version, bytes)).toEqual({
        ...request,
        includeSynonyms: version >= 1,
      });
      const responseBytes = encodeResponse(describeConfigsApi, version, response);
      const configs = decodeResponse(describeConfigsApi, version, responseBytes).results[0]
        ?.configs;
      expect(configs).toEqual(
        response.results[0]?.configs.map((config) =>
          version === 0
            ? { ...config, configSource: -1, synonyms: [] }
            : { ...config, isDefault: false },
        ),
      );
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(describeConfigsApi)) {
      expectTruncationsThrow(
        (reader) => describeConfigsApi.decodeRequest(reader, version),
        encodeRequest(describeConfigsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => describeConfigsApi.decodeResponse(reader, version),
        encodeResponse(describeConfigsApi, version, response),
      );
    }
  });
});
