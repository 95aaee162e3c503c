# feedwatch: a static, non-root image.
#   docker build -t feedwatch .
#   docker run -d --name feedwatch -e SLACK_BOT_TOKEN=xoxb-… \
#     -v feedwatch-data:/app/data -v "$PWD/rules:/app/rules:ro" -p 9090:9090 feedwatch
# Mount your own config over /app/config.yaml to change feeds.

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

# distroless/static: CA certificates, /etc/passwd with "nonroot", no shell.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/feedwatch /usr/local/bin/feedwatch
COPY config.yaml /app/config.yaml
COPY rules /app/rules
# The database lives in data/ next to the config (storage.path).
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
VOLUME /app/data
ENV FEEDWATCH_LISTEN=0.0.0.0:9090
EXPOSE 9090
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/feedwatch"]
CMD ["run", "--config", "/app/config.yaml"]
