# rnnguard sidecar image: build with the Swift toolchain image, run on its slim runtime image.
# (Not built on the development machines: no Docker engine runs there; see docs/deployment.md.)
FROM swift:6.2-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libzmq3-dev libopenblas-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product rnnguard --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libzmq5 libopenblas0 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 rnnguard
COPY --from=build /src/.build/release/rnnguard /usr/local/bin/rnnguard
COPY config /etc/rnnguard
COPY examples/models /opt/rnnguard/models
USER rnnguard
WORKDIR /opt/rnnguard
EXPOSE 5555 9464
# rnnguard runs one BLAS thread per certificate and parallelises itself (workers, borrowed idle cores);
# OpenBLAS's own thread pool, started when the library loads, would only spin on the cores they need.
ENV OPENBLAS_NUM_THREADS=1
ENTRYPOINT ["rnnguard"]
CMD ["serve", "--config", "/etc/rnnguard/guard.yaml", "--log-format", "json"]
