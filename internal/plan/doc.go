// Package plan decides what a build run builds, in which order, and why.
//
// Given the active ports of a HaikuPorts tree for one target, the packages
// already published in the repository and the system packages, it resolves
// every requested port's build dependencies the way HaikuPorter does
// (BUILD_REQUIRES, BUILD_PREREQUIRES, the scriptlet prerequisites and the
// transitive REQUIRES of whatever satisfies them; first match wins, in the
// order repository package, system package, port), classifies each port
// (up to date, to build, blocked, broken, unsupported, untested, in a
// dependency cycle), and orders the builds topologically. Cycles are found
// with Tarjan's algorithm and reported with their members.
//
// Two matching rules are used (see Rule): HaikuPorter's, for build
// dependency resolution, because kiln must pick the same providers the
// HaikuPorter build master picks; and Haiku's own
// (pkginfo.Expression.Matches), for repository consistency, because that is
// what decides whether pkgman can install a published package.
//
// Check reports the consistency of a repository with the system packages:
// requirements nothing satisfies, packages that cannot be installed,
// ambiguous providers and packages no active port produces any more.
package plan
