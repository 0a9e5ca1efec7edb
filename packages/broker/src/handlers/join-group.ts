/**
 * JoinGroup: the answer waits (a pending promise) until the group's rebalance completes; the
 * connection keeps later responses behind it, in order. v4+ clients are asked to rejoin with
 * the member id they are given (MEMBER_ID_REQUIRED); v0 has no rebalance timeout, so the
 * session timeout serves as one, as in Kafka.
 */
import { type JoinGroupRequest, type JoinGroupResponse, joinGroupApi } from '@cairn/protocol';
import type { ApiHandler, RequestContext } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

/** The first JoinGroup version whose clients handle MEMBER_ID_REQUIRED (KIP-394). */
const memberIdRequiredVersion = 4;

export function createJoinGroupHandler(
  coordinator: GroupCoordinator,
): ApiHandler<JoinGroupRequest, JoinGroupResponse> {
  return {
    api: joinGroupApi,
    async handle(request, context) {
      const result = await coordinator.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        requireKnownMemberId: context.header.apiVersion >= memberIdRequiredVersion,
        clientId: context.header.clientId ?? '',
        clientHost: clientHost(context),
        rebalanceTimeoutMs:
          request.rebalanceTimeoutMs === -1 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
        sessionTimeoutMs: request.sessionTimeoutMs,
        protocolType: request.protocolType,
        // The request's bytes are views into its frame; the group keeps these for its life.
        protocols: request.protocols.map(({ name, metadata }) => ({
          name,
          metadata: Buffer.from(metadata),
        })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolName: result.protocolName ?? '',
        leader: result.leader,
        memberId: result.memberId,
        members: result.members.map((member) => ({ ...member })),
      };
    },
    errorResponse(request, errorCode) {
      return {
        throttleTimeMs: 0,
        errorCode,
        generationId: -1,
        protocolName: '',
        leader: '',
        memberId: request.memberId,
        members: [],
      };
    },
  };
}

/** Kafka reports a client's host as InetAddress prints it: "/127.0.0.1". */
export function clientHost(context: RequestContext): string {
  const address = context.connection.remoteAddress;
  const portSeparator = address.lastIndexOf(':');
  return `/${portSeparator === -1 ? address : address.slice(0, portSeparator)}`;
}
