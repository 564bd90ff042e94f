// The AWS managed policies App Mesh, ECS and Cloud Map set-ups attach. They live in every account
// under arn:aws:iam::aws:policy/…, are read-only, and are not stored: the catalogue is code. The
// documents are written for awsmesh in the form AWS publishes them (same actions and resources);
// nothing evaluates them locally.

import { createHash } from 'crypto';

export interface ManagedPolicy {
  name: string;
  path: string;
  arn: string;
  /** ANPA + 17, derived from the name so it is stable across runs and installs. */
  id: string;
  description: string;
  defaultVersionId: string;
  createDate: number;
  updateDate: number;
  /** Service-role policies exist but cannot be attached to customer roles. */
  attachable: boolean;
  document: string;
}

interface Entry {
  name: string;
  path?: string;
  description: string;
  version: number;
  created: string;
  updated: string;
  attachable?: boolean;
  statements: object[];
}

const appmeshRead = ['appmesh:Describe*', 'appmesh:List*'];

const ENTRIES: Entry[] = [
  {
    name: 'AmazonEC2ContainerRegistryReadOnly',
    description: 'Provides read-only access to Amazon EC2 Container Registry repositories.',
    version: 3, created: '2015-10-21T20:45:52Z', updated: '2019-12-10T20:56:23Z',
    statements: [{
      Effect: 'Allow',
      Action: [
        'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer',
        'ecr:GetRepositoryPolicy', 'ecr:DescribeRepositories', 'ecr:ListImages', 'ecr:DescribeImages',
        'ecr:BatchGetImage', 'ecr:GetLifecyclePolicy', 'ecr:GetLifecyclePolicyPreview', 'ecr:ListTagsForResource',
        'ecr:DescribeImageScanFindings',
      ],
      Resource: '*',
    }],
  },
  {
    name: 'AWSAppMeshEnvoyAccess',
    description: 'App Mesh Envoy Access',
    version: 1, created: '2020-01-13T21:17:20Z', updated: '2020-01-13T21:17:20Z',
    statements: [{ Effect: 'Allow', Action: ['appmesh:StreamAggregatedResources'], Resource: '*' }],
  },
  {
    name: 'AWSAppMeshPreviewEnvoyAccess',
    description: 'App Mesh Preview Envoy Access',
    version: 1, created: '2019-12-02T19:41:41Z', updated: '2019-12-02T19:41:41Z',
    statements: [{ Effect: 'Allow', Action: ['appmesh-preview:StreamAggregatedResources'], Resource: '*' }],
  },
  {
    name: 'AWSAppMeshFullAccess',
    description: 'Provides full access to AWS App Mesh',
    version: 2, created: '2019-03-27T17:05:38Z', updated: '2021-04-07T18:20:15Z',
    statements: [
      { Effect: 'Allow', Action: ['appmesh:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: ['arn:aws:iam::*:role/aws-service-role/appmesh.amazonaws.com/AWSServiceRoleForAppMesh'],
        Condition: { StringLike: { 'iam:AWSServiceName': ['appmesh.amazonaws.com'] } },
      },
      { Effect: 'Allow', Action: ['acm:ListCertificates', 'acm:DescribeCertificate', 'acm-pca:DescribeCertificateAuthority', 'acm-pca:ListCertificateAuthorities'], Resource: '*' },
      { Effect: 'Allow', Action: ['servicediscovery:ListNamespaces', 'servicediscovery:ListServices', 'servicediscovery:ListInstances'], Resource: '*' },
    ],
  },
  {
    name: 'AWSAppMeshReadOnly',
    description: 'Provides read-only access to AWS App Mesh',
    version: 2, created: '2019-03-27T17:04:42Z', updated: '2021-04-07T18:19:25Z',
    statements: [{ Effect: 'Allow', Action: appmeshRead, Resource: '*' }],
  },
  {
    name: 'AWSAppMeshServiceRolePolicy',
    path: '/aws-service-role/',
    description: 'AWS App Mesh Service Role Policy',
    version: 3, created: '2019-06-19T19:35:26Z', updated: '2021-04-07T18:21:47Z',
    attachable: false,
    statements: [
      { Sid: 'CloudMapServiceDiscovery', Effect: 'Allow', Action: ['servicediscovery:DiscoverInstances'], Resource: '*' },
      { Sid: 'ACMCertificateVerification', Effect: 'Allow', Action: ['acm:DescribeCertificate'], Resource: '*' },
    ],
  },
  {
    name: 'CloudWatchAgentServerPolicy',
    description: 'Permissions required to use AmazonCloudWatchAgent on servers',
    version: 2, created: '2018-09-13T14:13:19Z', updated: '2019-08-26T20:20:41Z',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'cloudwatch:PutMetricData', 'ec2:DescribeVolumes', 'ec2:DescribeTags', 'logs:PutLogEvents',
          'logs:DescribeLogStreams', 'logs:DescribeLogGroups', 'logs:CreateLogStream', 'logs:CreateLogGroup',
        ],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: 'arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*' },
    ],
  },
  {
    name: 'AWSXRayDaemonWriteAccess',
    description: 'Allow the AWS X-Ray Daemon to relay raw trace segments data to the service\'s API and retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.',
    version: 2, created: '2018-08-28T23:00:33Z', updated: '2021-01-25T21:05:08Z',
    statements: [{
      Effect: 'Allow',
      Action: [
        'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules',
        'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries',
      ],
      Resource: ['*'],
    }],
  },
  {
    name: 'AWSCloudMapDiscoverInstanceAccess',
    description: 'Provides access to AWS Cloud Map discovery API.',
    version: 1, created: '2018-11-29T00:02:42Z', updated: '2018-11-29T00:02:42Z',
    statements: [{ Effect: 'Allow', Action: ['servicediscovery:DiscoverInstances'], Resource: '*' }],
  },
  {
    name: 'AWSCloudMapReadOnlyAccess',
    description: 'Provides read-only access to all AWS Cloud Map actions.',
    version: 1, created: '2018-11-28T23:28:38Z', updated: '2018-11-28T23:28:38Z',
    statements: [{
      Effect: 'Allow',
      Action: ['servicediscovery:Get*', 'servicediscovery:List*', 'servicediscovery:DiscoverInstances'],
      Resource: '*',
    }],
  },
  {
    name: 'AWSCloudMapRegisterInstanceAccess',
    description: 'Provides registrant level access to AWS Cloud Map actions.',
    version: 1, created: '2018-11-29T00:04:57Z', updated: '2018-11-29T00:04:57Z',
    statements: [
      { Effect: 'Allow', Action: ['servicediscovery:RegisterInstance', 'servicediscovery:DeregisterInstance', 'servicediscovery:DiscoverInstances', 'servicediscovery:Get*', 'servicediscovery:List*'], Resource: '*' },
      { Effect: 'Allow', Action: ['route53:GetHostedZone', 'route53:ListHostedZonesByName', 'route53:ChangeResourceRecordSets', 'route53:CreateHealthCheck', 'route53:GetHealthCheck', 'route53:DeleteHealthCheck', 'route53:UpdateHealthCheck'], Resource: '*' },
      { Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: '*' },
    ],
  },
  {
    name: 'AmazonECSTaskExecutionRolePolicy',
    path: '/service-role/',
    description: 'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    version: 1, created: '2017-11-16T18:48:22Z', updated: '2017-11-16T18:48:22Z',
    statements: [{
      Effect: 'Allow',
      Action: [
        'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents',
      ],
      Resource: '*',
    }],
  },
];

function stableId(name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const digest = createHash('sha256').update(`aws-managed-policy:${name}`).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i] % alphabet.length];
  return id;
}

const epoch = (iso: string): number => Date.parse(iso) / 1000;

export const MANAGED_POLICIES: readonly ManagedPolicy[] = ENTRIES.map((e) => {
  const path = e.path ?? '/';
  return {
    name: e.name,
    path,
    arn: `arn:aws:iam::aws:policy${path}${e.name}`,
    id: stableId(e.name),
    description: e.description,
    defaultVersionId: `v${e.version}`,
    createDate: epoch(e.created),
    updateDate: epoch(e.updated),
    attachable: e.attachable ?? true,
    document: JSON.stringify({ Version: '2012-10-17', Statement: e.statements }, null, 4),
  };
});

const BY_ARN = new Map(MANAGED_POLICIES.map((p) => [p.arn, p]));

export function findManagedPolicy(arn: string): ManagedPolicy | undefined {
  return BY_ARN.get(arn);
}
