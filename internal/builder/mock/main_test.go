package mock

import (
	"os"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Cleanup()
	os.Exit(code)
}
