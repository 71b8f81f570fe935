package server

import (
	"log/slog"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/server/reposerve"
)

// RepoOptions are the repository server's options of an [http] section,
// as kiln serve makes its reposerve.Handler (Options.Repos): the prefix
// ("/" the root), the public base URL, current/'s max-age (0s in the
// file: no-cache) and the presigned URLs' lifetime.
func RepoOptions(h config.HTTP, log *slog.Logger) reposerve.Options {
	return reposerve.Options{
		Prefix:        h.Prefix() + "/",
		PublicBaseURL: h.PublicBaseURL,
		CurrentMaxAge: h.MaxAge(),
		PresignTTL:    h.TTL(),
		Logger:        log,
	}
}
