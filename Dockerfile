# feedwatch: a static, non-root image.
#   docker build -t feedwatch .
#   docker run -d --name feedwatch -e SLACK_BOT_TOKEN=xoxb-… \
#     -v feedwatch-data:/data \
#     -v "$PWD/config.yaml:/etc/feedwatch/config.yaml:ro" -v "$PWD/rules:/etc/feedwatch/rules:ro" \
#     -p 9090:9090 feedwatch
# scripts/check-image.sh proves what this image relies on without Docker.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: modernc.org/sqlite is pure Go, so the binary is fully static.
# time/tzdata is embedded by cmd/feedwatch, so time zones need no files.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/feedwatch ./cmd/feedwatch \
 && mkdir -p /out/data

# distroless/static: CA certificates and a "nonroot" user (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedwatch /usr/local/bin/feedwatch
COPY config.yaml /etc/feedwatch/config.yaml
COPY rules /etc/feedwatch/rules
COPY --from=build --chown=nonroot:nonroot /out/data /data
VOLUME /data
# config.yaml reads these: the database in the volume, endpoints reachable
# from outside the container.
ENV FEEDWATCH_DATA_DIR=/data FEEDWATCH_LISTEN=0.0.0.0:9090
EXPOSE 9090
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["/usr/local/bin/feedwatch", "healthcheck", "--config", "/etc/feedwatch/config.yaml"]
ENTRYPOINT ["/usr/local/bin/feedwatch"]
CMD ["run", "--config", "/etc/feedwatch/config.yaml"]
