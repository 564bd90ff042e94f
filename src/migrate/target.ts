// What every migration target provides: a conversion of one mesh into documents (each with the
// schema it must satisfy and the plan step it belongs to), the report of what became of every
// setting, and a router that answers "where does this request go?" from the documents alone, for
// the route equivalence check.

import type { FidelityReport } from './report';
import type { Sample } from './samples';
import type { MigrationSource } from './source';

export const TARGET_NAMES = ['service-connect', 'lattice', 'gateway-api', 'istio'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface MigrateOptions {
  /** Kubernetes namespace (lattice, gateway-api, istio) or Cloud Map namespace (service-connect) for what the source does not place. */
  namespace?: string;
  /** ECS cluster of the services (service-connect). */
  cluster?: string;
  /** AWS Private CA that issues Service Connect TLS certificates (service-connect). */
  pcaArn?: string;
  /** gatewayClassName of generated Gateways (gateway-api). */
  gatewayClass?: string;
  /** Use the Gateway API experimental channel (HTTPRoute retry). */
  experimental?: boolean;
}

/** Which published schema a document must satisfy (files under schemas/vendor/ unless said otherwise). */
export type SchemaRef =
  /** A CustomResourceDefinition version extracted to schemas/vendor/<file>. */
  | { type: 'crd'; file: string }
  /** An operation input of a botocore model in schemas/vendor/botocore/<model>.json; `${…}` placeholders are filled with sample ids first. */
  | { type: 'botocore'; model: string; operation: string }
  /** The Properties of a CloudFormation resource, against its registry schema in schemas/vendor/<file>. */
  | { type: 'cloudformation'; file: string; resourceType: string }
  /** An operation input of a service awsmesh itself serves (schemas/<service>/<Operation>.json). */
  | { type: 'awsmesh'; service: 'servicediscovery'; operation: string };

export interface GeneratedDoc {
  /** Where `--dir` writes it, without extension: `gateway-api/httproutes/default/serviceb`. */
  path: string;
  body: Record<string, unknown>;
  schema: SchemaRef;
  /** The plan step that uses it. */
  step: string;
  /** Shell variable the plan stores the created resource's id in (`${NAME}` placeholders of later documents). */
  captures?: string;
}

/** One step of the migration plan, in the order the AWS guides give. */
export interface PlanStep {
  id: string;
  title: string;
  /** What to do, in a sentence or two. */
  text: string;
}

/** A weighted set of virtual nodes a request reaches (weights as fractions of 1); empty: not routed. */
export type Outcome = Map<string, number>;

/**
 * Where a target sends a sample request, read back from the generated documents; undefined when
 * the target has no counterpart for the way in (a gateway on a target without gateways), which
 * the report already lists as lost.
 */
export interface TargetRouter {
  route(sample: Sample): Outcome | undefined;
}

export interface Conversion {
  docs: GeneratedDoc[];
  /** One per routing layer the target generates (lattice: the controller's routes and the raw API rules). */
  routers: Array<{ label: string; router: TargetRouter }>;
}

export interface Target {
  name: TargetName;
  /** Short title for the plan and the report header. */
  title: string;
  /** The plan's steps; documents name theirs by id, the last step (deleting App Mesh) is added for every target. */
  steps: PlanStep[];
  convert(source: MigrationSource, opts: MigrateOptions, report: FidelityReport): Conversion;
}
