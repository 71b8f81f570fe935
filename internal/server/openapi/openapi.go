// Package openapi holds the OpenAPI 3 document of kiln serve's JSON API,
// served at /api/openapi.json. The document is written by hand
// (openapi.json); internal/server's tests keep it equal to the route
// table (every route documented, every documented operation routed, the
// role each needs) and validate real answers against its schemas.
package openapi

import _ "embed"

// Document is the OpenAPI document, JSON.
//
//go:embed openapi.json
var Document []byte
