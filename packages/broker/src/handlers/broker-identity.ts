/** Who this broker says it is in Metadata and FindCoordinator responses. */
export interface BrokerIdentity {
  readonly nodeId: number;
  /** The advertised host and port clients connect to. */
  readonly host: string;
  readonly port: number;
  readonly clusterId: string;
}
