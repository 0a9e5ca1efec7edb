// Proves the consumer embedded protocol (subscription and assignment) agrees with kafkajs's
// assignerProtocol (v0 bodies) and @platformatic/kafka (v0-v3) in both directions, round-trips
// every version, tolerates exactly the shortcuts real clients take (a newer version over an
// older body, an empty assignment) and rejects every other truncation with a ProtocolError.
import { createRequire } from 'node:module';
import {
  decodeConsumerProtocolAssignment as platformaticDecodeAssignment,
  decodeConsumerProtocolSubscription as platformaticDecodeSubscription,
  encodeConsumerProtocolAssignment as platformaticEncodeAssignment,
  encodeConsumerProtocolSubscription as platformaticEncodeSubscription,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
  consumerProtocolAssignmentVersionMax,
  consumerProtocolSubscriptionVersionMax,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  ProtocolError,
} from '../src/index.js';

const require = createRequire(import.meta.url);

interface KafkajsMemberMetadata {
  encode(metadata: { version: number; topics: string[]; userData?: Buffer }): Buffer;
  decode(buffer: Buffer): { version: number; topics: string[]; userData: Buffer | null };
}

interface KafkajsMemberAssignment {
  encode(assignment: {
    version: number;
    assignment: Record<string, number[]>;
    userData?: Buffer;
  }): Buffer;
  decode(buffer: Buffer): {
    version: number;
    assignment: Record<string, number[]>;
    userData: Buffer | null;
  } | null;
}

const kafkajs = require('kafkajs/src/consumer/assignerProtocol') as {
  MemberMetadata: KafkajsMemberMetadata;
  MemberAssignment: KafkajsMemberAssignment;
};

// Sorted by topic and partition: @platformatic/kafka sorts what it encodes.
const subscription: ConsumerProtocolSubscription = {
  version: 3,
  topics: ['orders', 'payments'],
  userData: Buffer.from('sticky-data'),
  ownedPartitions: [
    { topic: 'orders', partitions: [0, 2] },
    { topic: 'payments', partitions: [1] },
  ],
  generationId: 7,
  rackId: 'eu-west-1a',
};

const assignment: ConsumerProtocolAssignment = {
  version: 0,
  assignedPartitions: [
    { topic: 'orders', partitions: [0, 2] },
    { topic: 'payments', partitions: [1] },
  ],
  userData: Buffer.from('sticky-data'),
};

/** What `version` carries of `subscription`; later fields take their defaults. */
function subscriptionAt(version: number, declared = version): ConsumerProtocolSubscription {
  return {
    version: declared,
    topics: subscription.topics,
    userData: subscription.userData,
    ownedPartitions: version >= 1 ? subscription.ownedPartitions : [],
    generationId: version >= 2 ? subscription.generationId : -1,
    rackId: version >= 3 ? subscription.rackId : null,
  };
}

function versions(max: number): number[] {
  return Array.from({ length: max + 1 }, (_, version) => version);
}

describe('consumer protocol subscription', () => {
  it('decodes kafkajs MemberMetadata and encodes the same v0 bytes', () => {
    const bytes = kafkajs.MemberMetadata.encode({
      version: 0,
      topics: subscription.topics,
      userData: Buffer.from('sticky-data'),
    });
    expect(decodeConsumerProtocolSubscription(bytes)).toEqual(subscriptionAt(0));
    expect(encodeConsumerProtocolSubscription(subscriptionAt(0))).toEqual(bytes);
  });

  it('reads a newer version over a v0 body, as kafkajs assignors may send, with defaults', () => {
    const bytes = kafkajs.MemberMetadata.encode({ version: 1, topics: ['orders'] });
    expect(decodeConsumerProtocolSubscription(bytes)).toEqual({
      version: 1,
      topics: ['orders'],
      userData: Buffer.alloc(0),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('v0-v3 encodings decode with kafkajs, which reads the v0 fields', () => {
    for (const version of versions(consumerProtocolSubscriptionVersionMax)) {
      const bytes = encodeConsumerProtocolSubscription(subscriptionAt(version));
      expect(kafkajs.MemberMetadata.decode(bytes)).toEqual({
        version,
        topics: subscription.topics,
        userData: subscription.userData,
      });
    }
  });

  it('agrees with @platformatic/kafka on v0-v3 in both directions', () => {
    for (const version of versions(consumerProtocolSubscriptionVersionMax)) {
      const expected = subscriptionAt(version);
      const theirs = platformaticEncodeSubscription({
        ...expected,
        userData: subscription.userData!,
      });
      expect(decodeConsumerProtocolSubscription(theirs)).toEqual(expected);
      const ours = encodeConsumerProtocolSubscription(expected);
      expect(ours).toEqual(theirs);
      expect(platformaticDecodeSubscription(ours)).toEqual(expected);
    }
  });

  it('round-trips every version, a null userData and a null rackId', () => {
    for (const version of versions(consumerProtocolSubscriptionVersionMax)) {
      const value = { ...subscriptionAt(version), userData: null, rackId: null };
      const decoded = decodeConsumerProtocolSubscription(encodeConsumerProtocolSubscription(value));
      expect(decoded).toEqual(value);
    }
  });

  it('reads a version above 3 as v3 and ignores the fields it appends', () => {
    const v3 = encodeConsumerProtocolSubscription(subscription);
    const v9 = Buffer.concat([v3, Buffer.from([0, 0, 0, 42])]);
    v9.writeInt16BE(9, 0);
    expect(decodeConsumerProtocolSubscription(v9)).toEqual({ ...subscription, version: 9 });
  });

  it('refuses to encode a version it does not know', () => {
    expect(() => encodeConsumerProtocolSubscription({ ...subscription, version: 4 })).toThrow(
      AssertionError,
    );
  });

  it('rejects a negative version and every truncation except a whole older body', () => {
    const negative = encodeConsumerProtocolSubscription(subscription);
    negative.writeInt16BE(-1, 0);
    expect(() => decodeConsumerProtocolSubscription(negative)).toThrow(ProtocolError);
    for (const version of versions(consumerProtocolSubscriptionVersionMax)) {
      const bytes = encodeConsumerProtocolSubscription(subscriptionAt(version));
      // Where an older version's body ends, the rest is absent, not truncated.
      const olderBodyEnds = new Map<number, number>();
      for (let older = 0; older < version; older++) {
        const olderBytes = encodeConsumerProtocolSubscription(subscriptionAt(older));
        olderBodyEnds.set(olderBytes.length, older);
      }
      for (let length = 0; length < bytes.length; length++) {
        const prefix = bytes.subarray(0, length);
        const older = olderBodyEnds.get(length);
        if (older === undefined) {
          expect(() => decodeConsumerProtocolSubscription(prefix), `${length}`).toThrow(
            ProtocolError,
          );
        } else {
          const decoded = decodeConsumerProtocolSubscription(prefix);
          expect(decoded).toEqual(subscriptionAt(older, version));
        }
      }
    }
  });
});

describe('consumer protocol assignment', () => {
  it('decodes kafkajs MemberAssignment and encodes the same bytes', () => {
    const bytes = kafkajs.MemberAssignment.encode({
      version: 0,
      assignment: { orders: [0, 2], payments: [1] },
      userData: Buffer.from('sticky-data'),
    });
    expect(decodeConsumerProtocolAssignment(bytes)).toEqual(assignment);
    expect(encodeConsumerProtocolAssignment(assignment)).toEqual(bytes);
  });

  it('v0-v3 encodings decode with kafkajs', () => {
    for (const version of versions(consumerProtocolAssignmentVersionMax)) {
      const bytes = encodeConsumerProtocolAssignment({ ...assignment, version });
      expect(kafkajs.MemberAssignment.decode(bytes)).toEqual({
        version,
        assignment: { orders: [0, 2], payments: [1] },
        userData: assignment.userData,
      });
    }
  });

  it('agrees with @platformatic/kafka on v0-v3 in both directions', () => {
    for (const version of versions(consumerProtocolAssignmentVersionMax)) {
      const expected = { ...assignment, version };
      const theirs = platformaticEncodeAssignment(expected);
      expect(decodeConsumerProtocolAssignment(theirs)).toEqual(expected);
      const ours = encodeConsumerProtocolAssignment(expected);
      expect(ours).toEqual(theirs);
      expect(platformaticDecodeAssignment(ours)).toEqual(expected);
    }
  });

  it('reads empty bytes, what a member the leader left out receives, as no assignment', () => {
    expect(kafkajs.MemberAssignment.decode(Buffer.alloc(0))).toBeNull();
    expect(decodeConsumerProtocolAssignment(Buffer.alloc(0))).toEqual({
      version: 0,
      assignedPartitions: [],
      userData: null,
    });
  });

  it('round-trips every version and a null userData', () => {
    for (const version of versions(consumerProtocolAssignmentVersionMax)) {
      const value = { ...assignment, version, userData: null };
      const decoded = decodeConsumerProtocolAssignment(encodeConsumerProtocolAssignment(value));
      expect(decoded).toEqual(value);
    }
  });

  it('rejects a negative version and every non-empty truncation with a ProtocolError', () => {
    const bytes = encodeConsumerProtocolAssignment(assignment);
    const negative = Buffer.from(bytes);
    negative.writeInt16BE(-1, 0);
    expect(() => decodeConsumerProtocolAssignment(negative)).toThrow(ProtocolError);
    for (let length = 1; length < bytes.length; length++) {
      const prefix = bytes.subarray(0, length);
      expect(() => decodeConsumerProtocolAssignment(prefix), `${length}`).toThrow(ProtocolError);
    }
  });
});
