/** Discovery and capabilities of the Push Sender Agent service (issue 12 items 2 and 3): what the service imports. */
export { createDirectoryWithParts, createReceiverDirectory, DEFAULT_EXPIRY_SWEEP_MS, type DirectoryParts, type DiscoveryDirectory, type ReceiverDirectoryOptions } from './directory.ts';
export { createRegSubscriptions, DEFAULT_REG_SUBSCRIPTION_OPTIONS, type RegSubscriber, type RegSubscriptionEvents, type RegSubscriptionOptions, type SubscriptionState } from './regSubscriptions.ts';
export { createCapabilityQuery, DEFAULT_CAPABILITY_QUERY_OPTIONS, type CapabilityQuery, type CapabilityQueryOptions } from './capabilityQuery.ts';
export { createUaprofCache, DEFAULT_UAPROF_CACHE_OPTIONS, type UaprofCache, type UaprofCacheOptions, type UaprofFetcher, type UaprofResult } from './uaprofCache.ts';
export { DiscoveryError, type DiscoveryErrorCode } from './errors.ts';
