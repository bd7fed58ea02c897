# The two commands a newcomer needs:
#   go run .     runs the server (embedded SQLite, fake WeChat: zero config)
#   make test    runs the whole test suite (Go, then the sample mini program)
#
# Tests use the embedded SQLite unless TEST_DATABASE_URL points at PostgreSQL,
# e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable make test

.PHONY: test test-go test-miniprogram run build

test: test-go test-miniprogram

test-go:
	go test -count=1 -timeout 20m ./...

test-miniprogram:
	cd miniprogram && npm ci --no-audit --no-fund && npm test

run:
	go run .

build:
	go build -o mpauth .
