package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
	"github.com/haikuports/kiln/internal/store/storetest"
)

// prefixes hands each subtest its own prefix (an empty store) in one bucket.
func prefixes(srv *s3test.Server) func(t *testing.T) store.Store {
	var n atomic.Int64
	return func(t *testing.T) store.Store {
		return srv.Store(t, fmt.Sprintf("t%d/", n.Add(1)))
	}
}

func TestS3Versity(t *testing.T) {
	storetest.Run(t, prefixes(s3test.StartVersity(t)))
}

func TestS3GoFakeS3(t *testing.T) {
	storetest.RunWith(t, storetest.Options{MultipartETagDiffers: true}, prefixes(s3test.StartFake(t)))
}
