// The structure of a structure, list or map parameter in operation help, as the AWS CLI's help
// shows it: one line per member (`name -> (type)`, [required], allowed values, unions), nested by
// indentation, generated from the service model.

import { getShape, type ServiceName } from '../model/services';
import type { Shape } from '../model/types';

function typeName(service: ServiceName, shape: Shape): string {
  if (shape.type === 'list') {
    const item = getShape(service, shape.member!.shape);
    return item.type === 'structure' ? 'list of structures' : `list of ${item.type === 'long' ? 'integer' : item.type}s`;
  }
  if (shape.type === 'map') return `map of ${getShape(service, shape.value!.shape).type === 'structure' ? 'structures' : 'strings'}`;
  if (shape.union) return 'union: set exactly one member';
  return shape.type === 'long' ? 'integer' : shape.type;
}

/** The members of a structure (or of a list's or map's structure items), indented by `indent`. */
function memberLines(service: ServiceName, name: string, indent: number, stack: string[], out: string[]): void {
  let shape = getShape(service, name);
  while (shape.type === 'list' || shape.type === 'map') {
    name = (shape.type === 'list' ? shape.member! : shape.value!).shape;
    shape = getShape(service, name);
  }
  if (shape.type !== 'structure') return;
  const pad = ' '.repeat(indent);
  if (stack.includes(name)) {
    out.push(`${pad}(the same structure as above)`);
    return;
  }
  const rule = shape.awsmesh;
  if (rule?.exactlyOne) out.push(`${pad}(set exactly one of: ${rule.exactlyOne.join(', ')})`);
  if (rule?.atMostOne) out.push(`${pad}(set at most one of: ${rule.atMostOne.join(', ')})`);
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const child = getShape(service, ref.shape);
    const req = shape.required?.includes(member) ? ' [required]' : '';
    const values = child.enum ? `  one of: ${child.enum.join(' | ')}` : '';
    out.push(`${pad}${member} -> (${typeName(service, child)})${req}${values}`);
    memberLines(service, ref.shape, indent + 2, [...stack, name], out);
  }
}

/** The structure lines of the parameter whose model shape is `shapeName` (empty for scalars). */
export function shapeStructure(service: ServiceName, shapeName: string, indent: number): string[] {
  const out: string[] = [];
  memberLines(service, shapeName, indent, [], out);
  return out;
}
