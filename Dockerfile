# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/mpauth .

# distroless: no shell, no package manager, runs as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mpauth /mpauth
USER nonroot:nonroot
ENV MPAUTH_ADDR=:8080 MPAUTH_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/mpauth"]
CMD ["serve"]
