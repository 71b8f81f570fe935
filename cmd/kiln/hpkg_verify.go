package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/hpkg"
)

func newHpkgVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE...",
		Short: "Check that package files are whole and valid",
		Long: `Reads each Haiku package file (.hpkg, format version 2) once, from start to
end, and checks everything a Haiku client reads when it installs it: the
header, that every heap chunk decompresses without error to exactly its
size and agrees with the chunk-size table, that the file ends where the
header says, that the table of contents and the package attributes parse,
and that every file's and attribute's data lies in the heap's data area
without overlapping another's. Memory use does not grow with the package.

"hpkg info" and "hpkg list" read only the parts they show, so they do not
notice damage elsewhere; "repo publish" and "repo import" run the same
checks before uploading, and "repo verify --deep" on stored packages.

Prints one line per file: "FILE: ok" with the package's name, version and
size, or "FILE: " and what is wrong (naming the heap chunk or the entry).
Exits non-zero if any file is not a valid package.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			bad := 0
			for _, name := range args {
				res, err := verifyPackageFile(name)
				if err != nil {
					bad++
					fmt.Fprintf(out, "%s: %v\n", name, err)
					continue
				}
				fmt.Fprintf(out, "%s: ok (%s, %s, %d bytes)\n", name, res.Info.CanonicalFileName(), count(res.Entries, "entry"), res.Size)
			}
			if bad > 0 {
				return fmt.Errorf("%d of %s invalid", bad, count(len(args), "package file"))
			}
			return nil
		},
	}
}

// verifyPackageFile validates the package file name with hpkg.Validate.
func verifyPackageFile(name string) (*hpkg.Validated, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return hpkg.Validate(f)
}
