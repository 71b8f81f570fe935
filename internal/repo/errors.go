package repo

import "errors"

// Sentinel errors; errors returned by this package wrap one of them where
// the caller may want to react.
var (
	// ErrNoHead: the target has no published snapshot yet.
	ErrNoHead = errors.New("repo: target has no published snapshot")
	// ErrImmutable: a package file with the same name but different content
	// is already published (published package files never change).
	ErrImmutable = errors.New("repo: published package differs")
	// ErrLeaseHeld: another publisher holds the target's lease and did not
	// release it within the wait time.
	ErrLeaseHeld = errors.New("repo: target lease held by another publisher")
	// ErrLeaseLost: the lease was taken over while we held it.
	ErrLeaseLost = errors.New("repo: lease lost")
	// ErrConflict: the head moved under us (another publisher broke the lease).
	ErrConflict = errors.New("repo: head moved concurrently")
	// ErrBadManifest: a manifest or head object cannot be read.
	ErrBadManifest = errors.New("repo: invalid manifest")
	// ErrBadPackage: a package to publish is unacceptable (wrong architecture,
	// vendor, unreadable).
	ErrBadPackage = errors.New("repo: invalid package")
	// ErrSnapshotNotFound: the named snapshot does not exist.
	ErrSnapshotNotFound = errors.New("repo: snapshot not found")
	// ErrDowngrade: a package would replace a newer version of itself.
	ErrDowngrade = errors.New("repo: package would downgrade")
	// ErrForeignRepo: the target has a current/repo but no kiln head (a
	// HaikuPorter bucket): it must be imported first.
	ErrForeignRepo = errors.New("repo: repository not published by kiln")
	// ErrRefused: the publish's Guard refused the new repository; nothing
	// was changed.
	ErrRefused = errors.New("repo: publish refused")
	// ErrNotListed: a package name to remove is not listed by the head.
	ErrNotListed = errors.New("repo: package not listed")
	// ErrBadTarget: a target name is not branch/arch.
	ErrBadTarget = errors.New("repo: invalid target")
)
