package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTheREADMEsCommandsAreTheBinarys checks every feedwatch command line
// in the README against the binary: the command exists and takes every
// flag the README gives it, and every command of the binary has a row in
// the README's table of commands. The two set-up commands are run for
// real by other tests (TestOnceOnTheDemo…, TestCheckPassesOnTheShipped…).
func TestTheREADMEsCommandsAreTheBinarys(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	known := map[string]command{}
	for _, c := range commands() {
		known[c.name] = c
		if !strings.Contains(readme, "| `"+c.name) {
			t.Errorf("the README's table of commands has no row for %q", c.name)
		}
	}
	line := regexp.MustCompile("(?:go run ./cmd/feedwatch|`feedwatch) ([a-z]+)((?: +--?[a-z][^ \n`|]*(?: +[^-\n`| ][^ \n`|]*)?)*)")
	for _, m := range line.FindAllStringSubmatch(readme, -1) {
		name := m[1]
		c, ok := known[name]
		if !ok {
			if name != "help" && name != "version" && name != "is" && name != "watches" {
				t.Errorf("README: %q is not a command of feedwatch", strings.TrimSpace(m[0]))
			}
			continue
		}
		_, _, help := runCmd(t, context.Background(), c.name, "-h")
		for _, f := range strings.Fields(m[2]) {
			if !strings.HasPrefix(f, "-") {
				continue // a flag's value
			}
			f, _, _ = strings.Cut(f, "=")
			if !strings.Contains(help, "-"+strings.TrimLeft(f, "-")) {
				t.Errorf("README: %q: %s takes no %s", strings.TrimSpace(m[0]), name, f)
			}
		}
	}
}
