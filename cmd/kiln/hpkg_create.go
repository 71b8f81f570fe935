package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/hpkg"
)

func newHpkgCreateCmd() *cobra.Command {
	var dir, output string
	var zstd bool
	cmd := &cobra.Command{
		Use:   "create --dir DIR -o FILE",
		Short: "Create a package file from a directory",
		Long: `Creates a Haiku package file (.hpkg, format version 2.1) from DIR, laid out as
for Haiku's "package create": DIR/.PackageInfo describes the package and
everything else in DIR becomes the package's file tree (directories, regular
files, symlinks; permissions and modification times are kept, entries are
sorted by name). The heap is compressed with zlib level 9 like Haiku's
default, or zstd with --zstd, in 64 KiB chunks.

The file is written next to FILE under a temporary name and renamed when
complete.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" || output == "" {
				return usagef(cmd, "hpkg create: --dir and -o are required")
			}
			log := newLogger(cmd)
			dp, err := hpkg.ReadDir(dir)
			if err != nil {
				return err
			}
			opts := hpkg.WriteOptions{Compression: hpkg.CompressionZlib}
			if zstd {
				opts.Compression = hpkg.CompressionZstd
			}
			tmp, err := os.CreateTemp(filepath.Dir(output), ".kiln-hpkg-*")
			if err != nil {
				return outputError(output, "", err)
			}
			defer os.Remove(tmp.Name())
			if err := hpkg.WriteDirPackage(tmp, dp, opts); err != nil {
				tmp.Close()
				return outputError(output, tmp.Name(), err)
			}
			if err := tmp.Chmod(0o644); err != nil {
				tmp.Close()
				return outputError(output, tmp.Name(), err)
			}
			if err := tmp.Close(); err != nil {
				return outputError(output, tmp.Name(), err)
			}
			if err := os.Rename(tmp.Name(), output); err != nil {
				return outputError(output, tmp.Name(), err)
			}
			fi, err := os.Stat(output)
			if err != nil {
				return err
			}
			log.Debug("package written", "file", output, "bytes", fi.Size(), "compression", opts.Compression)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s %s (%d bytes)\n", output, dp.Info.Name, dp.Info.Version, fi.Size())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory holding .PackageInfo and the package's files")
	cmd.Flags().StringVarP(&output, "output", "o", "", "package file to write")
	cmd.Flags().BoolVar(&zstd, "zstd", false, "compress the heap with zstd instead of zlib")
	return cmd
}

// outputError reports an error writing the output file under its own name
// instead of the name of the temporary file it is written as (tmp; for an
// error of os.CreateTemp, "").
func outputError(output, tmp string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && (tmp == "" || pe.Path == tmp) {
		return fmt.Errorf("hpkg create: %s: %w", output, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("hpkg create: %s: %w", output, le.Err)
	}
	return err
}
