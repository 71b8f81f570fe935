// Package ports evaluates a whole HaikuPorts tree for one target the way
// HaikuPorter's repository update does: it scans the tree
// (<category>/<port>/<port>-<version>.recipe), evaluates recipes
// concurrently with package recipe, picks each port's active version
// (versions newest first until one is neither broken nor unbuildable),
// records the skipped versions with their reasons, and caches evaluation
// results by content so that a warm run evaluates only changed recipes.
// It also reads trees from git and maps changed files to the ports they
// belong to.
package ports
