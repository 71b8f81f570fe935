// Package repo publishes Haiku package repositories into an object store
// (internal/store) as immutable snapshots with a compare-and-swap head
// pointer, so that clients (pkgman, CDNs in front of the bucket) never see
// an inconsistent repository.
//
// A target (branch, architecture) lives under <root><branch>/<arch>/:
//
//	current/packages/<file>.hpkg       immutable package files
//	current/{repo,repo.info,repo.minisig,package.list,repo.sha256}
//	                                   copies of the head snapshot's files
//	current/packages/.obsolete/<file>  pruned packages (grace period)
//	.kiln/head.json                    the head pointer (CAS on its ETag)
//	.kiln/lease.json                   the publisher lease
//	.kiln/snapshots/<id>/              manifest.json + repo files of a snapshot
//
// The manifest of a snapshot is the source of truth: repo, repo.info,
// repo.sha256 and package.list are generated from it alone, without reading
// any package file. Publish uploads new packages (create-if-absent), writes
// a new snapshot under new keys, moves the head by compare-and-swap while
// holding the target's lease and then refreshes current/ with repo.sha256
// last. A crash at any point leaves the previous snapshot served; the next
// run repairs current/ and converges. A Change may carry a Guard
// (NoRegressions: no package may become uninstallable) that can refuse a
// publish before anything is uploaded (ErrRefused). repo.info text is read
// and written by internal/pkginfo; the Codec covers HPKG and HPKR only.
package repo
