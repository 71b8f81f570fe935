.PHONY: test build bench fuzz release generate

# The whole test suite (installs what the tests need first).
test:
	scripts/test

build:
	go build -o bin/kiln ./cmd/kiln

bench:
	go test -run '^$$' -bench . -benchmem ./bench/...

# Generated files (docs/configuration.md from internal/config).
generate:
	go generate ./internal/config

# A release: static binaries for linux/amd64 and linux/arm64 in bin/,
# stamped with the version, commit and build date that `kiln --version`
# shows (internal/buildinfo; without these flags it reads the build's
# VCS information), and the container image out/kiln-image.tar: an OCI
# layout tarball of both platforms, built without a container engine from
# Debian packages that apt downloads (tools/kiln-image, internal/image;
# arm64 needs `dpkg --add-architecture arm64 && apt-get update`; see
# docs/kubernetes.md). VERSION=v1.2.3 make release.
PKG     := github.com/haikuports/kiln/internal/buildinfo
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)
RELEASE_PLATFORMS := linux/amd64 linux/arm64
IMAGE   := out/kiln-image.tar

release:
	@for p in $(RELEASE_PLATFORMS); do \
		echo "kiln $(VERSION) for $$p"; \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} go build -trimpath -ldflags "$(LDFLAGS)" \
			-o bin/kiln-$(VERSION)-$${p%/*}-$${p#*/} ./cmd/kiln || exit 1; \
	done
	go run ./tools/kiln-image -out $(IMAGE) -version $(VERSION) -revision "$(COMMIT)" -created $(DATE) \
		$(foreach p,$(RELEASE_PLATFORMS),-binary $(notdir $(p))=bin/kiln-$(VERSION)-$(subst /,-,$(p)))
