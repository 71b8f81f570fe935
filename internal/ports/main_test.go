package ports

import (
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// TestMain removes the corpus the tests unpack (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(m) }
