# Builds kmsmeta into a small image without a shell. The image expects
# KMSMETA_DATABASE_URL; the development default (a private PostgreSQL) needs
# PostgreSQL's server binaries, which this image leaves out.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kmsmeta ./cmd/kmsmeta

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kmsmeta /usr/local/bin/kmsmeta
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/kmsmeta"]
CMD ["serve"]
