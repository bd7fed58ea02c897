package handlers

import _ "embed"

// OpenAPISpec is the mini-program API contract, served at
// /api/openapi.yaml and checked against the routes by a test.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
