package main

import (
	"context"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/schema"
)

// cmdSchema prints the JSON Schema of rule files or of config.yaml, for
// editors: point yaml-language-server at it (README, "Rule files in the
// editor").
func cmdSchema(_ context.Context, e env, args []string) int {
	fs, _ := flags(e, "schema", "rules|config", "Prints the JSON Schema of rule (and lists) files, or of config.yaml, for editors that\nvalidate and complete YAML as it is typed (VS Code's YAML extension and other\nyaml-language-server clients). The repository keeps both in schema/.")
	if code, ok := parseWithArgs(fs, args); !ok {
		return code
	}
	switch fs.Arg(0) {
	case "rules":
		e.stdout.Write(schema.Rules())
	case "config":
		e.stdout.Write(schema.Config())
	default:
		fmt.Fprintln(e.stderr, "feedwatch schema: say rules or config")
		return exitUsage
	}
	return exitOK
}
