export * from './types';
export { loadMeshSnapshot, snapshotFingerprint } from './load';
export { resolveVirtualService, findVirtualNode, findVirtualGateway, routesOfRouter } from './lookup';
