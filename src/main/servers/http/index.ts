/** What the lead wires in src/main/app.ts: the memfs, its mounts, the memfs listing route and the http collector. */
export { createMemfs, MemfsError, type Memfs, type MemfsFile, type MemfsOptions } from './memfs.ts';
export { createMemfsMount, type MemfsMountOptions } from './memfs-mount.ts';
export { createFsApi, createFsApiRoutes, FS_API_PREFIX } from './fs-api.ts';
export { createHttpCollectorMiddleware, HTTP_SESSION_ID, type HttpCollectorMiddlewareOptions } from './http-collector.ts';
export { HlsTracker, newSessionId, isValidSessionId, rewritePlaylist, SHORTUUID_ALPHABET } from './hls.ts';
