# Images of the SCIM provisioning platform: one build stage, one target per binary.
#
#   docker build --target edge             -t scim-provisioning/edge:0.1.0 .
#   docker build --target identity-service -t scim-provisioning/identity-service:0.1.0 .
#   docker build --target role-service     -t scim-provisioning/role-service:0.1.0 .
#   docker build --target audit-service    -t scim-provisioning/audit-service:0.1.0 .
#   docker build --target scimctl          -t scim-provisioning/scimctl:0.1.0 .
#
# These are the image names helm/scim-provisioning uses by default (images.repository
# "scim-provisioning", tag = the chart's appVersion). Needs BuildKit (the default builder since
# Docker 23) for the cache mounts.
#
# Runtime images: Debian bookworm-slim, only the shared libraries the binary links against (each
# stage checks with ldd that nothing is missing), the binary, and user scim (uid/gid 10001).
# Containers listen on 0.0.0.0 and keep RocksDB in /var/lib/scim (mount a volume there).

ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
# The same Debian packages as scripts/run.sh and scripts/test.sh (DEBIAN_PACKAGES in
# scripts/lib.sh), plus npm, with which the edge's build fetches Swagger UI for /api/v2/docs.
COPY scripts/lib.sh scripts/lib.sh
RUN source scripts/lib.sh \
 && apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${DEBIAN_PACKAGES[@]}" nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY . .
ENV CCACHE_DIR=/root/.cache/ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=true
RUN --mount=type=cache,target=/root/.cache/ccache \
    --mount=type=cache,target=/root/.npm \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j"$(nproc)" \
      --target scim-edge identity-service role-service audit-service scimctl
# What the runtime stages copy: the binaries without their debug info, and Swagger UI's static
# files when the build fetched them (without them /api/v2/docs answers 503; the rest works).
RUN mkdir -p /out/bin /out/docs-ui \
 && for b in scim-edge identity-service role-service audit-service scimctl; do \
      objcopy --strip-debug "build/bin/$b" "/out/bin/$b"; \
    done \
 && if [ -d build/docs-ui/node_modules/swagger-ui-dist ]; then \
      cp -r build/docs-ui/node_modules/swagger-ui-dist/. /out/docs-ui/; \
    fi

# ---------------------------------------------------------------------------------------------
# What every runtime image shares: gRPC, protobuf, abseil (and through them OpenSSL, c-ares, re2,
# zlib, libstdc++), the unprivileged user and the data directory.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libssl3 libc-ares2 libre2-9 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 scim \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/scim --no-create-home \
      --shell /usr/sbin/nologin scim \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/scim
ENV SCIM_LISTEN_HOST=0.0.0.0 \
    SCIM_HTTP_HOST=0.0.0.0 \
    SCIM_DATA_DIR=/var/lib/scim
WORKDIR /var/lib/scim

# The three services with a RocksDB.
FROM runtime AS runtime-rocksdb
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends librocksdb7.8 \
 && rm -rf /var/lib/apt/lists/*

# ---------------------------------------------------------------------------------------------
FROM runtime AS edge
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libcpprest2.10 \
      libtcmalloc-minimal4 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/scim-edge /usr/local/bin/scim-edge
COPY --from=build /out/docs-ui/ /usr/share/scim/docs-ui/
ENV SCIM_DOCS_DIR=/usr/share/scim/docs-ui
RUN if ldd /usr/local/bin/scim-edge | grep 'not found'; then exit 1; fi
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/scim-edge"]

FROM runtime-rocksdb AS identity-service
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libphonenumber8 \
      libtcmalloc-minimal4 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/identity-service /usr/local/bin/identity-service
RUN if ldd /usr/local/bin/identity-service | grep 'not found'; then exit 1; fi
USER 10001:10001
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/identity-service"]

FROM runtime-rocksdb AS role-service
COPY --from=build /out/bin/role-service /usr/local/bin/role-service
RUN if ldd /usr/local/bin/role-service | grep 'not found'; then exit 1; fi
USER 10001:10001
EXPOSE 50052
ENTRYPOINT ["/usr/local/bin/role-service"]

FROM runtime-rocksdb AS audit-service
COPY --from=build /out/bin/audit-service /usr/local/bin/audit-service
RUN if ldd /usr/local/bin/audit-service | grep 'not found'; then exit 1; fi
USER 10001:10001
EXPOSE 50053
ENTRYPOINT ["/usr/local/bin/audit-service"]

FROM runtime AS scimctl
COPY --from=build /out/bin/scimctl /usr/local/bin/scimctl
RUN if ldd /usr/local/bin/scimctl | grep 'not found'; then exit 1; fi
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/scimctl"]
