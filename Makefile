.PHONY: test build bench fuzz

# The whole test suite (installs what the tests need first).
test:
	scripts/test

build:
	go build -o bin/kiln ./cmd/kiln

bench:
	go test -run '^$$' -bench . -benchmem ./bench/...
