package config

// docs/configuration.md, the reference of every key (configdoc).
//go:generate go run ./configdoc/gen
