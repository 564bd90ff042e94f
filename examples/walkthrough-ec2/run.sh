#!/usr/bin/env bash
# The App Mesh steps of AWS's "Getting started with App Mesh and Amazon EC2" walkthrough, in the
# walkthrough's order and with its own input files, run against awsmesh instead of `aws`.
#
#   examples/walkthrough-ec2/run.sh            # state in $AWSMESH_HOME (default ~/.awsmesh)
#   AWSMESH_HOME=$(mktemp -d) examples/walkthrough-ec2/run.sh
#
# It starts from a clean state for the mesh it uses (`apps`): whatever an earlier run left in that
# mesh is deleted first; other meshes are not touched.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWSMESH_BIN="${AWSMESH_BIN:-$HERE/../../bin/awsmesh}"
MESH=apps

# The walkthrough's file:// paths are relative to the directory holding the JSON files.
cd "$HERE"

appmesh() { "$AWSMESH_BIN" appmesh "$@"; }
iam() { "$AWSMESH_BIN" iam "$@"; }
step() { printf '\n==> %s\n' "$*" >&2; }
names() { appmesh "$@" --output text; }

# Delete mesh $MESH and everything in it, dependants first (App Mesh refuses any other order).
clean_mesh() {
  appmesh describe-mesh --mesh-name "$MESH" >/dev/null 2>&1 || return 0
  step "Removing the previous run's mesh $MESH"
  local gw gr vs vr r vn
  for gw in $(names list-virtual-gateways --mesh-name "$MESH" --query 'virtualGateways[].virtualGatewayName'); do
    for gr in $(names list-gateway-routes --mesh-name "$MESH" --virtual-gateway-name "$gw" --query 'gatewayRoutes[].gatewayRouteName'); do
      appmesh delete-gateway-route --mesh-name "$MESH" --virtual-gateway-name "$gw" --gateway-route-name "$gr" >/dev/null
    done
    appmesh delete-virtual-gateway --mesh-name "$MESH" --virtual-gateway-name "$gw" >/dev/null
  done
  for vs in $(names list-virtual-services --mesh-name "$MESH" --query 'virtualServices[].virtualServiceName'); do
    appmesh delete-virtual-service --mesh-name "$MESH" --virtual-service-name "$vs" >/dev/null
  done
  for vr in $(names list-virtual-routers --mesh-name "$MESH" --query 'virtualRouters[].virtualRouterName'); do
    for r in $(names list-routes --mesh-name "$MESH" --virtual-router-name "$vr" --query 'routes[].routeName'); do
      appmesh delete-route --mesh-name "$MESH" --virtual-router-name "$vr" --route-name "$r" >/dev/null
    done
    appmesh delete-virtual-router --mesh-name "$MESH" --virtual-router-name "$vr" >/dev/null
  done
  for vn in $(names list-virtual-nodes --mesh-name "$MESH" --query 'virtualNodes[].virtualNodeName'); do
    appmesh delete-virtual-node --mesh-name "$MESH" --virtual-node-name "$vn" >/dev/null
  done
  appmesh delete-mesh --mesh-name "$MESH" >/dev/null
}

# The IAM role and policy of step 6 from an earlier run (IAM refuses to delete attached ones).
ROLE=mesh-virtual-node-service-b
POLICY_ARN=arn:aws:iam::111122223333:policy/virtual-node-policy
clean_iam() {
  local arn
  if iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
    step "Removing the previous run's role $ROLE"
    for arn in $(iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].PolicyArn' --output text); do
      iam detach-role-policy --role-name "$ROLE" --policy-arn "$arn"
    done
    iam delete-role --role-name "$ROLE"
  fi
  if iam get-policy --policy-arn "$POLICY_ARN" >/dev/null 2>&1; then
    step "Removing the previous run's policy virtual-node-policy"
    iam delete-policy --policy-arn "$POLICY_ARN"
  fi
}

clean_mesh
clean_iam

# Step 1: create a mesh and a virtual service.
step "Create the mesh"
appmesh create-mesh --mesh-name apps
step "Create virtual service serviceb.apps.local (no provider yet)"
appmesh create-virtual-service --mesh-name apps --virtual-service-name serviceb.apps.local --spec {}

# Step 2: create a virtual node.
step "Create virtual node serviceB"
appmesh create-virtual-node --cli-input-json file://create-virtual-node-serviceb.json

# Step 3: create a virtual router and route.
step "Create virtual router serviceB"
appmesh create-virtual-router --cli-input-json file://create-virtual-router.json
step "Create route serviceB"
appmesh create-route --cli-input-json file://create-route.json

# Step 4: review and create.
step "Review what was created"
appmesh describe-mesh --mesh-name apps
appmesh describe-virtual-service --mesh-name apps --virtual-service-name serviceb.apps.local
appmesh describe-virtual-node --mesh-name apps --virtual-node-name serviceB
appmesh describe-virtual-router --mesh-name apps --virtual-router-name serviceB
appmesh describe-route --mesh-name apps \
    --virtual-router-name serviceB  --route-name serviceB

# Step 5: create additional resources.
step "Create virtual node serviceBv2"
appmesh create-virtual-node --cli-input-json file://create-virtual-node-servicebv2.json
step "Create virtual node serviceA"
appmesh create-virtual-node --cli-input-json file://create-virtual-node-servicea.json
step "Make virtual router serviceB the provider of serviceb.apps.local"
appmesh update-virtual-service --cli-input-json file://update-virtual-service.json
step "Shift 25% of serviceB's traffic to serviceBv2"
appmesh update-route --cli-input-json file://update-route.json
step "Create virtual service servicea.apps.local"
appmesh create-virtual-service --cli-input-json file://create-virtual-servicea.json

# Step 6: an IAM role for the EC2 instance running serviceB's Envoy, allowed to fetch its
# configuration (virtual-node-policy.json) and to pull the Envoy image from ECR. The commands are
# the walkthrough's own, account 111122223333 included (the local backend's default account).
step "Create the IAM role for serviceB's proxy"
iam create-role --role-name mesh-virtual-node-service-b --assume-role-policy-document file://ec2-trust-relationship.json
step "Create the policy that lets it stream serviceB's configuration"
iam create-policy --policy-name virtual-node-policy --policy-document file://virtual-node-policy.json
step "Attach the policies to the role"
iam attach-role-policy --policy-arn arn:aws:iam::111122223333:policy/virtual-node-policy --role-name mesh-virtual-node-service-b
iam attach-role-policy --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly --role-name mesh-virtual-node-service-b

step "Done: mesh $MESH is set up as in the walkthrough"
