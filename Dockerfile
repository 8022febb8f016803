# wschaos: the fault server (`wschaos serve`) and the chaos runner (`wschaos run`)
# in one small image. Build: docker build -t wschaos:local .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wschaos ./cmd/wschaos

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wschaos /usr/local/bin/wschaos
ENTRYPOINT ["/usr/local/bin/wschaos"]
# The session endpoint on all interfaces (inside the container), the admin
# API too; off loopback the admin API demands a token ($WSCHAOS_ADMIN_TOKEN).
CMD ["serve", "--listen", "0.0.0.0:8080", "--admin-addr", "0.0.0.0:8081"]
EXPOSE 8080 8081
