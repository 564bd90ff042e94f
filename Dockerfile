# awsmesh: the `awsmesh serve` control plane (and the CLI) in a container.
#
#   docker build -t awsmesh:0.1.0 .
#   docker run --rm -p 8443:8443 -p 15443:15443 -p 9902:9902 \
#     -e AWSMESH_STORE_URL -e AWSMESH_SERVE_TLS_HOSTNAME=mesh-cp.internal awsmesh:0.1.0
#
# Two stages: `build` installs the toolchain and every dependency and compiles; the runtime stage
# receives only what `awsmesh` runs from (bin/, dist/, schemas/, package.json and the production
# node_modules), runs as an unprivileged user and fetches nothing: no package manager runs there.
# deploy/ holds an ECS task definition and service, and Kubernetes manifests, that run this image.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts off for the install (`prepare` would build before the sources are here), then the
# native module's own install step.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY schemas ./schemas
COPY src ./src
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# A fixed numeric uid/gid, so Kubernetes' runAsNonRoot and ECS' `user` can check it.
RUN groupadd --system --gid 10001 awsmesh \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/awsmesh --create-home --shell /usr/sbin/nologin awsmesh
WORKDIR /opt/awsmesh
# Owned by root: the server cannot rewrite its own code.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/schemas ./schemas
COPY --from=build /src/node_modules ./node_modules
ENV NODE_ENV=production \
    AWSMESH_HOME=/var/lib/awsmesh/home \
    AWSMESH_SERVE_HOST=0.0.0.0 \
    AWSMESH_SERVE_PORT=8443 \
    AWSMESH_SERVE_XDS_PORT=15443 \
    AWSMESH_SERVE_ADMIN_HOST=0.0.0.0 \
    AWSMESH_SERVE_ADMIN_PORT=9902
USER 10001:10001
EXPOSE 8443 15443 9902
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.AWSMESH_SERVE_ADMIN_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/awsmesh/bin/awsmesh"]
CMD ["serve"]
