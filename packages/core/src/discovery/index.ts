/**
 * Authorization server metadata discovery (RFC 8414, OpenID Connect Discovery).
 *
 * @module
 */
export { discoveredEndpoint, discoveryUrls, parseAuthorizationServerMetadata, type DiscoveredMetadata, type MetadataProblem } from './metadata.ts'
export {
  checkDiscoveryClientOptions,
  createDiscoveryClient,
  DiscoveryError,
  discoveryClientDefaults,
  type DiscoveryClient,
  type DiscoveryClientOptions,
  type DiscoveryEvent,
  type DiscoveryFailureKind,
  type DiscoveryFetchedEvent,
  type DiscoveryFetchFailedEvent,
  type DiscoveryStaleServedEvent,
} from './discovery-client.ts'
export { discoverServerConfig, type DiscoverableServerInput, type DiscoverServerConfigOptions } from './discover-server-config.ts'
