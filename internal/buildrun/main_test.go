package buildrun

import (
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
