// A small mesh using every TLS source a real Envoy needs secrets for, in a fresh AWSMESH_HOME
// (real SQLite; the local CA under $home/ca, empty until something issues):
//
//   front    listener 8080 STRICT with ACM certificate ARN_FRONT; client policy trusting ACM PCA
//            PCA_ARN for its backend back.apps.local
//   back     listener 9080 STRICT with ACM certificate ARN_BACK (front must never get its key)
//   plain    no TLS at all
//   sdsnode  listener 8443 STRICT with SDS secret `sdsnode-cert`, mTLS trusting SDS `mesh-bundle`
//   gw       virtual gateway, listener 8443 with ACM certificate ARN_SHARED, routing to shared.apps.local
//   shared   listener 9443 STRICT with the same ARN_SHARED (gw validates it against "its issuing CA",
//            named by that ARN too: the name clash the server splits)

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';

export const REGION = 'us-west-2';
export const ACCOUNT = '111122223333';
export const ARN_FRONT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/front-0001`;
export const ARN_BACK = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/back-0002`;
export const ARN_SHARED = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/shared-0003`;
export const PCA_ARN = `arn:aws:acm-pca:${REGION}:${ACCOUNT}:certificate-authority/pca-0004`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TlsMesh {
  home: string;
  backend: LocalBackend;
  call(op: string, input: Json): Promise<Json>;
  close(): Promise<void>;
}

const dns = (hostname: string) => ({ dns: { hostname } });

export async function createTlsMesh(prefix = 'awsmesh-sds-'): Promise<TlsMesh> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: ACCOUNT });
  const call = (op: string, input: Json) => backend.invoke('appmesh', op, input, { region: REGION }) as Promise<Json>;
  const node = (name: string, spec: Json) => call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: name, spec });
  const service = (name: string, provider: string) => call('CreateVirtualService', {
    meshName: 'apps', virtualServiceName: name, spec: { provider: { virtualNode: { virtualNodeName: provider } } },
  });
  await call('CreateMesh', { meshName: 'apps' });
  await node('back', {
    listeners: [{ portMapping: { port: 9080, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { acm: { certificateArn: ARN_BACK } } } }],
    serviceDiscovery: dns('back.apps.local'),
  });
  await service('back.apps.local', 'back');
  await node('front', {
    listeners: [{ portMapping: { port: 8080, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { acm: { certificateArn: ARN_FRONT } } } }],
    serviceDiscovery: dns('front.apps.local'),
    backends: [{ virtualService: { virtualServiceName: 'back.apps.local' } }],
    backendDefaults: { clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: [PCA_ARN] } } } } } },
  });
  await node('plain', { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: dns('plain.apps.local') });
  await node('sdsnode', {
    listeners: [{
      portMapping: { port: 8443, protocol: 'http' },
      tls: {
        mode: 'STRICT', certificate: { sds: { secretName: 'sdsnode-cert' } },
        validation: { trust: { sds: { secretName: 'mesh-bundle' } } },
      },
    }],
    serviceDiscovery: dns('sdsnode.apps.local'),
  });
  await node('shared', {
    listeners: [{ portMapping: { port: 9443, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { acm: { certificateArn: ARN_SHARED } } } }],
    serviceDiscovery: dns('shared.apps.local'),
  });
  await service('shared.apps.local', 'shared');
  await call('CreateVirtualGateway', {
    meshName: 'apps', virtualGatewayName: 'gw',
    spec: { listeners: [{ portMapping: { port: 8443, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { acm: { certificateArn: ARN_SHARED } } } }] },
  });
  await call('CreateGatewayRoute', {
    meshName: 'apps', virtualGatewayName: 'gw', gatewayRouteName: 'to-shared',
    spec: { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'shared.apps.local' } } } } },
  });
  return {
    home, backend, call,
    async close() {
      await backend.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
