# One image with the three binaries: /usr/local/bin/{syncer,webhook,kubectl-fed}.
# The manifests pick one with `command`; the default runs the plugin.
#
#   make image    (docker build with the version information of `make build`)

# Builder: the Go release the module and `make build` use.
FROM golang:1.26.8 AS builder
ARG VERSION=v0.0.0-dev
ARG GIT_COMMIT=unknown
ARG GIT_TREE_STATE=unknown
ARG BUILD_DATE=1970-01-01T00:00:00Z
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
ENV CGO_ENABLED=0
# Dependencies first, so source edits reuse the cached module download.
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY pkg/ pkg/
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w -X github.com/kubectl-fed/kubectl-fed/pkg/version.gitVersion=${VERSION} -X github.com/kubectl-fed/kubectl-fed/pkg/version.gitCommit=${GIT_COMMIT} -X github.com/kubectl-fed/kubectl-fed/pkg/version.gitTreeState=${GIT_TREE_STATE} -X github.com/kubectl-fed/kubectl-fed/pkg/version.buildDate=${BUILD_DATE}" -o /out/ ./cmd/kubectl-fed ./cmd/syncer ./cmd/webhook

# Final: no shell, no package manager, user nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/syncer /out/webhook /out/kubectl-fed /usr/local/bin/
COPY LICENSE /licenses/LICENSE
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kubectl-fed"]
