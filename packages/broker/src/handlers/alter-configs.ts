/**
 * AlterConfigs: replaces the whole override set of each topic with the request's configs (a
 * key left out, or sent with a null value, goes back to the broker's default). validateOnly
 * checks and changes nothing. Per-resource answers and the resource rules (broker, internal
 * and repeated resources) are config-alteration.ts's, shared with IncrementalAlterConfigs.
 */
import {
  type AlterConfigsRequest,
  type AlterConfigsRequestResource,
  type AlterConfigsResponse,
  alterConfigsApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { createConfigAlterationHandler } from './config-alteration.js';

export function createAlterConfigsHandler(
  registry: TopicRegistry,
): ApiHandler<AlterConfigsRequest, AlterConfigsResponse> {
  return createConfigAlterationHandler(
    alterConfigsApi,
    (topic, resource: AlterConfigsRequestResource, validateOnly) => {
      const configs = resource.configs.filter(({ value }) => value !== null);
      const overrides = Object.fromEntries(configs.map(({ name, value }) => [name, value ?? '']));
      return registry.replaceConfigs(topic, overrides, validateOnly);
    },
  );
}
