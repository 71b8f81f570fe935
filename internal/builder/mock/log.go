package mock

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/haikuports/kiln/internal/builder"
)

// The paths of a Haiku builder as HaikuPorter's builder JSON defaults them.
const (
	treePath      = "/boot/home/haikuports"
	builderConfig = treePath + "/builder.conf"
	haikuporter   = "haikuporter"
)

// purgeCommand and buildCommand are the command lines HaikuPorter's
// RemoteBuilderSSH runs (BUILDMASTER.md §2.4).
func purgeCommand(p builder.Port) string {
	return fmt.Sprintf(`cd %q && %q --config=%q --no-package-obsoletion --ignore-messages --purge %q`,
		treePath, haikuporter, builderConfig, p.ID())
}

func buildCommand(p builder.Port) string {
	return fmt.Sprintf(`source /boot/system/boot/SetupEnvironment && cd %q && %q --config=%q --no-system-packages --no-package-obsoletion --ignore-messages -j1 %q`,
		treePath, haikuporter, builderConfig, p.ID())
}

// haikuporterOutput is what haikuporter prints for a build of job, n lines
// long (at least the phase lines): fetching, unpacking, patching, the
// chroot, BUILD() with compiler lines, INSTALL() and packaging. It is
// deterministic for the port.
func haikuporterOutput(seed uint64, job builder.Job, n int) []string {
	p := job.Port
	r := rng(seed, "log", p.ID())
	rule := strings.Repeat("-", 70)
	head := []string{
		rule,
		p.ID(),
		"\t" + p.RecipeFilePath,
		rule,
		"Fetching source 1 ...",
		fmt.Sprintf("Skipping download of %s.tar.gz, already in download cache", p.ID()),
		fmt.Sprintf("Validating checksum of %s.tar.gz", p.ID()),
		fmt.Sprintf("Unpacking source of %s ...", p.ID()),
		fmt.Sprintf("Applying patches of %s ...", p.ID()),
		"Populating chroot ...",
		fmt.Sprintf("Activating %d build packages ...", len(job.Dependencies)),
		fmt.Sprintf("Building %s ...", p.ID()),
		"Running BUILD() in chroot ...",
	}
	tail := []string{
		"Running INSTALL() in chroot ...",
		"Collecting files to be packaged ...",
	}
	for _, o := range job.Outputs {
		tail = append(tail, fmt.Sprintf("Packaging %s ...", strings.TrimSuffix(o, ".hpkg")), "\t"+o)
	}
	tail = append(tail, "Cleaning chroot folder")
	lines := head
	for i := 0; len(lines)+len(tail) < n; i++ {
		lines = append(lines, compileLine(r, p.Name, i))
	}
	return append(lines, tail...)
}

var sourceWords = []string{"main", "util", "io", "parse", "buffer", "hash", "list", "string", "config", "error", "compat", "init"}

func compileLine(r *rand.Rand, name string, i int) string {
	w := sourceWords[r.IntN(len(sourceWords))]
	switch i % 7 {
	case 0:
		return fmt.Sprintf("checking for %s.h... yes", w)
	case 6:
		return fmt.Sprintf("libtool: link: gcc -shared -fPIC -o .libs/lib%s.so %s.o %s_%d.o", name, w, w, i)
	}
	return fmt.Sprintf("gcc -DHAVE_CONFIG_H -I. -I./include -O2 -fPIC -c src/%s_%d.c -o src/%s_%d.o", w, i, w, i)
}
