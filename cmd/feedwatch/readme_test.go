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

// TestTheREADMEsDemoOutputIsWhatTheBinaryPrints runs the offline demo as
// the README says (demo/config.yaml, copied with the shipped rules so
// that nothing is recorded in the repository) and compares what it
// prints with the README's block, whole.
func TestTheREADMEsDemoOutputIsWhatTheBinaryPrints(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	cmd := "```sh\ngo run ./cmd/feedwatch once --config demo/config.yaml\n```\n"
	i := strings.Index(readme, cmd)
	if i < 0 {
		t.Fatal("the README does not show the demo command")
	}
	rest := readme[i+len(cmd):]
	open := strings.Index(rest, "```\n")
	end := strings.Index(rest[open+4:], "```\n")
	if open < 0 || end < 0 {
		t.Fatal("no output block after the demo command")
	}
	want := rest[open+4 : open+4+end]

	root := t.TempDir()
	for _, d := range []string{"demo", "rules"} {
		os.CopyFS(filepath.Join(root, d), os.DirFS(filepath.Join("..", "..", d)))
	}
	os.RemoveAll(filepath.Join(root, "demo", "data"))
	code, out, errOut := runCmd(t, context.Background(), "once", "--config", filepath.Join(root, "demo", "config.yaml"))
	if code != exitOK {
		t.Fatalf("the demo exited %d:\n%s", code, errOut)
	}
	if out != want {
		t.Errorf("the README's demo output differs from what the demo prints:\n--- README\n%s--- printed\n%s", want, out)
	}
}
