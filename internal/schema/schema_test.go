package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/rules"
)

func compile(t *testing.T, name string, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// instance reads YAML as the JSON value an editor's validator sees.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestTheRepositorysSchemasAreTheBinarys: schema/*.json, which the shipped
// files name for editors, are what feedwatch schema prints.
func TestTheRepositorysSchemasAreTheBinarys(t *testing.T) {
	for name, want := range map[string][]byte{"rules.schema.json": Rules(), "config.schema.json": Config()} {
		got, err := os.ReadFile(filepath.Join("..", "..", "schema", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("schema/%s differs from feedwatch schema's (%v): regenerate it with feedwatch schema", name, err)
		}
	}
}

// TestEveryShippedFileIsValid: the shipped rules and config.yaml pass
// their schema, and each names it for editors.
func TestEveryShippedFileIsValid(t *testing.T) {
	ruleSchema, configSchema := compile(t, "rules.json", Rules()), compile(t, "config.json", Config())
	files, _ := filepath.Glob(filepath.Join("..", "..", "rules", "*.yaml"))
	files = append(files, filepath.Join("..", "..", "config.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, line := ruleSchema, "# yaml-language-server: $schema=../schema/rules.schema.json"
		if filepath.Base(f) == "config.yaml" {
			s, line = configSchema, "# yaml-language-server: $schema=schema/config.schema.json"
		}
		if err := s.Validate(instance(t, data)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if !strings.HasPrefix(string(data), line+"\n") {
			t.Errorf("%s does not start with %q", f, line)
		}
	}
}

// TestTheSchemaAndTheLoaderAgree: files both accept, and wrong files both
// refuse (the loader refuses more: queries, feeds, schedules).
func TestTheSchemaAndTheLoaderAgree(t *testing.T) {
	ruleSchema, configSchema := compile(t, "rules.json", Rules()), compile(t, "config.json", Config())
	ruleFiles := []struct {
		body string
		ok   bool
	}{
		{"name: A\nquery: Anbar\nchannel: \"#x\"\nmention: here\nenabled: false\ntests:\n  - title: Raid in Anbar\n    expect: match\n", true},
		{"lists:\n  places: [Anbar, Ramadi]\n", true},
		{"name: A\nquery: Anbar\nchanel: \"#x\"\n", false},     // unknown key
		{"name: A\nquery: Anbar\nfeeds: Wire\n", false},        // a scalar for a list
		{"name: A\nquery: Anbar\nenabled: \"false\"\n", false}, // a quoted boolean
		{"name: A\nquery: Anbar\nmention: everybody\n", false}, // not a mention
		{"name: A\nquery: Anbar\ntests:\n  - title: x\n    expect: yes\n", false},
		{"name: A\n", false}, // no query
	}
	for i, c := range ruleFiles {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(c.body), 0o644)
		_, loadErr := rules.LoadDir(dir)
		schemaErr := ruleSchema.Validate(instance(t, []byte(c.body)))
		if (loadErr == nil) != c.ok || (schemaErr == nil) != c.ok {
			t.Errorf("rule file %d (%q): loader %v, schema %v; want ok=%v", i, c.body, loadErr, schemaErr, c.ok)
		}
	}
	configFiles := []struct {
		body string
		ok   bool
	}{
		{"max_age: 7d\nfetch: {max_body: 10MiB, timeout: 20s}\nlog: {level: debug}\nfeeds:\n  - name: W\n    url: https://w.example/rss\n    headers: {X-Api-Key: k}\n", true},
		{"fetch: {max_body: 1048576}\nfeeds: []\n", true},
		{"fetch: {concurency: 4}\n", false},
		{"max_age: 7 days\n", false},
		{"log: {level: verbose}\n", false},
		{"fetch: {max_body: 10 megabytes}\n", false},
		{"feeds:\n  - name: W\n    url: https://w.example/rss\n    tags: defense\n", false},
	}
	for i, c := range configFiles {
		path := filepath.Join(t.TempDir(), "config.yaml")
		os.WriteFile(path, []byte(c.body), 0o644)
		_, loadErr := config.Load(path, func(string) (string, bool) { return "", false })
		schemaErr := configSchema.Validate(instance(t, []byte(c.body)))
		if (loadErr == nil) != c.ok || (schemaErr == nil) != c.ok {
			t.Errorf("config %d (%q): loader %v, schema %v; want ok=%v", i, c.body, loadErr, schemaErr, c.ok)
		}
	}
}
