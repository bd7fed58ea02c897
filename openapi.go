package main

import _ "embed"

// openAPISpec is the mini-program API contract, served at /api/openapi.yaml
// and checked against the routes by a test.
//
//go:embed openapi.yaml
var openAPISpec []byte
