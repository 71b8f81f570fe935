package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// defaultStoreDir is the store used when neither --store nor KILN_STORE is
// given: a directory in the working directory, laid out like the bucket.
const defaultStoreDir = "./kiln-store"

// newRepoStoreCmds returns the commands that work on a repository
// published in a store (kiln repo publish, list, diff, ...).
func newRepoStoreCmds() []*cobra.Command {
	return []*cobra.Command{
		newRepoPublishCmd(),
		newRepoListCmd(),
		newRepoDiffCmd(),
		newRepoSnapshotsCmd(),
		newRepoRollbackCmd(),
		newRepoPruneCmd(),
		newRepoVerifyCmd(),
		newRepoImportCmd(),
		newRepoBuildPackagesCmd(),
		newRepoMirrorCmd(),
	}
}

// storeFlags are the flags every store command takes.
type storeFlags struct {
	store     string
	target    string
	root      string
	leaseWait time.Duration
}

func (f *storeFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.store, "store", "", "store: a directory, file:///dir or s3://bucket/prefix?OPTIONS, OPTIONS among endpoint=URL, region=R,\n"+
		"path-style=true, profile=NAME (AWS profile), secret-file=PATH (AWS credentials file) and imds=true (EC2 instance role);\n"+
		"credentials also from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, KILN_S3_SECRET_FILE, KILN_S3_IMDS=true\n"+
		"(default $KILN_STORE, else "+defaultStoreDir+")")
	fl.StringVar(&f.target, "target", "master/x86_64", "target as branch/arch")
	fl.StringVar(&f.root, "root", "", "key prefix of all targets inside the store")
}

// addLeaseWait adds --lease-wait, for the commands that take the lease.
func (f *storeFlags) addLeaseWait(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&f.leaseWait, "lease-wait", 5*time.Minute, "how long to wait for another publisher's lease")
}

// open returns the repository the flags name, for commands that read or
// change an existing target: a location that holds no kiln store, or a
// target without a head, is an error (store.ErrNoStore, repo.ErrNoHead
// naming the targets there), and nothing is created.
func (f *storeFlags) open(cmd *cobra.Command) (*repo.Repo, error) {
	r, err := f.repo(cmd, false)
	if err != nil {
		return nil, err
	}
	if err := r.CheckExists(cmd.Context()); err != nil {
		return nil, err
	}
	return r, nil
}

// create returns the repository the flags name for commands that may
// create the store (publish, import): a missing directory is made.
func (f *storeFlags) create(cmd *cobra.Command) (*repo.Repo, error) {
	return f.repo(cmd, true)
}

func (f *storeFlags) repo(cmd *cobra.Command, create bool) (*repo.Repo, error) {
	t, err := repo.ParseTarget(f.target)
	if err != nil {
		return nil, err
	}
	t.Root = f.root
	open := openStore
	if create {
		open = createStore
	}
	st, err := open(cmd.Context(), f.storeURL())
	if err != nil {
		return nil, err
	}
	return repo.New(st, t, repo.Options{Logger: newLogger(cmd), LeaseWait: f.leaseWait,
		OnLeaseWait: leaseWaitNotice(cmd.ErrOrStderr(), f.leaseWait)}), nil
}

func (f *storeFlags) storeURL() string {
	switch {
	case f.store != "":
		return f.store
	case os.Getenv("KILN_STORE") != "":
		return os.Getenv("KILN_STORE")
	}
	return defaultStoreDir
}

// openStore opens a store URL (see store.Open: a directory path,
// file:///dir or s3://bucket/prefix?endpoint=...); S3 stores retry
// transient errors.
func openStore(ctx context.Context, url string) (store.Store, error) {
	return decorateStore(store.Open(ctx, url, store.S3Options{}))
}

// createStore is openStore for commands that write: a missing directory
// is created.
func createStore(ctx context.Context, url string) (store.Store, error) {
	return decorateStore(store.Create(ctx, url, store.S3Options{}))
}

func decorateStore(st store.Store, err error) (store.Store, error) {
	if err != nil {
		return nil, err
	}
	if _, ok := st.(*store.File); ok {
		return st, nil
	}
	return store.WithRetry(st, store.RetryPolicy{}), nil
}

func printJSON(cmd *cobra.Command, v any) error {
	e := json.NewEncoder(cmd.OutOrStdout())
	e.SetIndent("", "  ")
	e.SetEscapeHTML(false)
	return e.Encode(v)
}

// signerFlags are the signing flags (as HaikuPorter's
// --sign-package-repository-privkey-file and ...-passfile).
type signerFlags struct {
	keyFile  string
	passFile string
}

func (s *signerFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.keyFile, "sign-key", "", "minisign private key file; signs the repo (repo.minisig)")
	cmd.Flags().StringVar(&s.passFile, "sign-key-passfile", "", "file holding the key's password (else $KILN_SIGN_KEY_PASSWORD)")
}

func (s *signerFlags) signer() (repo.Signer, error) {
	if s.keyFile == "" {
		return nil, nil
	}
	pw := os.Getenv("KILN_SIGN_KEY_PASSWORD")
	if s.passFile != "" {
		b, err := os.ReadFile(s.passFile)
		if err != nil {
			return nil, fmt.Errorf("sign key password: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	return repo.NewMinisignSigner(s.keyFile, pw)
}
